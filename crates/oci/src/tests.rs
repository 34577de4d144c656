#![allow(
    clippy::field_reassign_with_default,
    reason = "PackOptions is non_exhaustive: the tests build it the way users outside the crate must"
)]

use std::collections::BTreeMap;
use std::io::{self, Read};
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::{Duration, UNIX_EPOCH};

use proptest::prelude::*;

use crate::manifest::{Content, ManifestError};
use crate::pack::{Created, PackError, PackOptions, PackVersion, pack_manifest};
use crate::time::{format_rfc3339, format_rfc3339_nano, is_rfc3339, parse_rfc3339};
use crate::verify::{Verifier, VerifyError, VerifyingAsyncReader, VerifyingReader};
use crate::{Algorithm, Backend, Descriptor, Digest, Digester, Manifest, Platform, media_type};

const ABC_SHA256: &str = "sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";
const ABC_SHA512: &str = "sha512:ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f";

// ---- digests ----

#[test]
fn digest_grammar() {
    let valid = [
        ABC_SHA256,
        ABC_SHA512,
        "multihash+base58:QmRZxt2b1FVZPNqd8hsiykDL3TdBDeTSPX9Kv46HmX4Gx8",
        "sha256+b64u:LCa0a2j_xo_5m0U8HTBBNBNCLXBkg7-g-YpeiGJm564",
        "blake3:af1349b9f5f9a1a6a0404dea36dcc9499bcb25c9adc112b7cc9a93cae41f3262",
        "a.b-c_d:x=",
    ];
    for d in valid {
        let parsed = Digest::parse(d).unwrap_or_else(|e| panic!("{d}: {e}"));
        assert_eq!(parsed.to_string(), d);
        assert_eq!(
            format!("{}:{}", parsed.algorithm_name(), parsed.encoded()),
            d
        );
    }
    assert_eq!(
        Digest::parse(ABC_SHA256).unwrap().algorithm(),
        Some(Algorithm::Sha256)
    );
    assert_eq!(
        Digest::parse("blake3:abc").unwrap().algorithm(),
        None,
        "unknown algorithms are kept, not computed"
    );
    let invalid = [
        ("", "expected ALGORITHM:ENCODED"),
        ("sha256", "expected ALGORITHM:ENCODED"),
        (":abc", "invalid algorithm"),
        ("SHA256:abc", "invalid algorithm"),
        ("sha256+:abc", "invalid algorithm"),
        ("sha256:", "invalid encoded part"),
        ("foo:a b", "invalid encoded part"),
        (
            "sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015a",
            "sha256 digests are 64 lowercase hex characters",
        ),
        (
            "sha256:BA7816BF8F01CFEA414140DE5DAE2223B00361A396177A9CB410FF61F20015AD",
            "sha256 digests are 64 lowercase hex characters",
        ),
        (
            "sha512:abcd",
            "sha512 digests are 128 lowercase hex characters",
        ),
    ];
    for (d, reason) in invalid {
        let err = Digest::parse(d).unwrap_err();
        assert_eq!(err.to_string(), format!("invalid digest {d:?}: {reason}"));
    }
    let huge = format!("sha256:{}", "z".repeat(1 << 20));
    assert!(
        Digest::parse(&huge).unwrap_err().to_string().len() < 400,
        "quoted input is cut"
    );
}

#[test]
fn digesters_agree_with_known_vectors_on_every_backend() {
    for &backend in Backend::available() {
        for (alg, want) in [
            (Algorithm::Sha256, ABC_SHA256),
            (Algorithm::Sha512, ABC_SHA512),
        ] {
            let mut d = Digester::with_backend(alg, backend).unwrap();
            d.update(b"a");
            d.update(b"");
            d.update(b"bc");
            assert_eq!(d.finish(), want, "{backend:?} {alg}");
        }
    }
    assert_eq!(
        Backend::fastest(),
        if cfg!(feature = "aws-lc-rs") {
            Backend::AwsLc
        } else {
            Backend::Sha2
        }
    );
    if !cfg!(feature = "aws-lc-rs") {
        let err = Digester::with_backend(Algorithm::Sha256, Backend::AwsLc).unwrap_err();
        assert!(
            err.to_string().contains("enable the `aws-lc-rs` feature"),
            "{err}"
        );
    }
    let mut w = Digester::new(Algorithm::Sha256);
    io::copy(&mut &b"abc"[..], &mut w).unwrap();
    assert_eq!(w.finish(), ABC_SHA256);
}

#[test]
fn digest_serde() {
    let d: Digest = serde_json::from_str(&format!("\"{ABC_SHA256}\"")).unwrap();
    assert_eq!(
        serde_json::to_string(&d).unwrap(),
        format!("\"{ABC_SHA256}\"")
    );
    let err = serde_json::from_str::<Digest>("\"sha256:nope\"").unwrap_err();
    assert!(
        err.to_string()
            .contains("sha256 digests are 64 lowercase hex characters"),
        "{err}"
    );
}

// ---- verification ----

fn verify_chunks(data: &[u8], expected: &[u8], chunk: usize) -> Result<(), VerifyError> {
    let mut v = Verifier::new(Digest::sha256(expected), expected.len() as u64)?;
    for c in data.chunks(chunk.max(1)) {
        v.update(c)?;
    }
    v.finish()
}

#[test]
fn verifier_outcomes() {
    assert_eq!(verify_chunks(b"hello", b"hello", 2), Ok(()));
    assert_eq!(verify_chunks(b"", b"", 1), Ok(()));
    assert!(matches!(
        verify_chunks(b"hello!", b"hello", 2),
        Err(VerifyError::TooLong { expected: 5, .. })
    ));
    assert!(matches!(
        verify_chunks(b"hell", b"hello", 2),
        Err(VerifyError::Truncated {
            expected: 5,
            received: 4,
            ..
        })
    ));
    assert!(matches!(
        verify_chunks(b"hellO", b"hello", 2),
        Err(VerifyError::DigestMismatch { .. })
    ));
    // Size 0 but another digest: only finish() can tell.
    let mut v = Verifier::new(Digest::sha256(b"x"), 0).unwrap();
    assert!(matches!(
        v.finish(),
        Err(VerifyError::DigestMismatch { .. })
    ));
    // A mismatch stays a mismatch however often finish() is asked.
    let mut v = Verifier::new(Digest::sha256(b"hello"), 5).unwrap();
    assert!(v.update(b"HELLO").is_err());
    assert!(matches!(
        v.finish(),
        Err(VerifyError::DigestMismatch { .. })
    ));
    assert!(matches!(
        v.finish(),
        Err(VerifyError::DigestMismatch { .. })
    ));
    let unknown = Digest::parse("blake3:abcd").unwrap();
    assert!(matches!(
        Verifier::new(unknown, 1),
        Err(VerifyError::UnsupportedAlgorithm { .. })
    ));
    // Resuming after a prefix hashed elsewhere.
    let mut prefix = Digester::new(Algorithm::Sha256);
    prefix.update(b"hel");
    let mut v = Verifier::resume(Digest::sha256(b"hello"), 5, prefix, 3).unwrap();
    assert_eq!(v.remaining(), 2);
    v.update(b"lo").unwrap();
    v.finish().unwrap();
    let mut wrong = Digester::new(Algorithm::Sha256);
    wrong.update(b"HEL");
    assert!(
        Verifier::resume(Digest::sha256(b"hello"), 5, wrong, 3)
            .unwrap()
            .update(b"lo")
            .is_err()
    );
    assert!(
        Verifier::resume(
            Digest::sha256(b"hello"),
            5,
            Digester::new(Algorithm::Sha512),
            0
        )
        .is_err()
    );
    let err = verify_chunks(b"hellO", b"hello", 5).unwrap_err();
    assert!(
        err.to_string()
            .starts_with("digest mismatch: expected sha256:2cf24d"),
        "{err}"
    );
}

/// A reader that hands out at most `step` bytes a call.
struct Trickle<'a> {
    data: &'a [u8],
    step: usize,
}

impl Read for Trickle<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.step.min(buf.len()).min(self.data.len());
        buf[..n].copy_from_slice(&self.data[..n]);
        self.data = &self.data[n..];
        Ok(n)
    }
}

/// Reads everything, returning what was handed out before the error, if any.
fn read_all<R: Read>(mut r: R) -> (Vec<u8>, Option<io::Error>) {
    let mut out = Vec::new();
    let mut buf = [0u8; 7];
    loop {
        match r.read(&mut buf) {
            Ok(0) => return (out, None),
            Ok(n) => out.extend_from_slice(&buf[..n]),
            Err(e) => return (out, Some(e)),
        }
    }
}

#[test]
fn sync_reader_hands_out_only_verified_content() {
    let data = b"the quick brown fox jumps over the lazy dog";
    let good = Digest::sha256(data);
    let size = data.len() as u64;

    let mut r = VerifyingReader::new(Trickle { data, step: 3 }, good.clone(), size).unwrap();
    let mut out = Vec::new();
    r.read_to_end(&mut out).unwrap();
    assert_eq!(out, data);
    assert!(r.is_verified());

    // Flipped last byte: the read that would complete the content fails instead.
    let mut flipped = data.to_vec();
    *flipped.last_mut().unwrap() ^= 1;
    let (got, err) = read_all(
        VerifyingReader::new(
            Trickle {
                data: &flipped,
                step: 3,
            },
            good.clone(),
            size,
        )
        .unwrap(),
    );
    assert!(matches!(
        VerifyError::from_io(&err.unwrap()),
        Some(VerifyError::DigestMismatch { .. })
    ));
    assert!(
        got.len() < data.len(),
        "the completing chunk is not handed out"
    );
    assert_eq!(got[..], data[..got.len()]);

    // Longer than the descriptor: no byte past the size, then an error instead of EOF.
    let longer = [&data[..], b"EXTRA"].concat();
    let (got, err) = read_all(VerifyingReader::new(&longer[..], good.clone(), size).unwrap());
    assert_eq!(got, data, "exactly the described bytes, none of the extra");
    let err = err.expect("extra bytes are an error");
    assert_eq!(err.kind(), io::ErrorKind::InvalidData);
    assert!(matches!(
        VerifyError::from_io(&err),
        Some(VerifyError::TooLong { .. })
    ));

    // Truncated.
    let (_, err) = read_all(VerifyingReader::new(&data[..10], good.clone(), size).unwrap());
    assert!(matches!(
        VerifyError::from_io(&err.unwrap()),
        Some(VerifyError::Truncated { received: 10, .. })
    ));

    // The error sticks: reading again after a failure fails again.
    let mut r = VerifyingReader::new(&data[..10], good, size).unwrap();
    assert!(r.read_to_end(&mut Vec::new()).is_err());
    assert!(r.read(&mut [0u8; 4]).is_err());
    assert!(!r.is_verified());
}

/// An `AsyncRead` over a slice that is `Pending` on every other poll.
struct Flaky<'a> {
    data: &'a [u8],
    ready: bool,
}

impl futures_io::AsyncRead for Flaky<'_> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut [u8],
    ) -> Poll<io::Result<usize>> {
        self.ready = !self.ready;
        if !self.ready {
            cx.waker().wake_by_ref();
            return Poll::Pending;
        }
        let n = buf.len().min(self.data.len()).min(5);
        buf[..n].copy_from_slice(&self.data[..n]);
        self.data = &self.data[n..];
        Poll::Ready(Ok(n))
    }
}

/// Drives an async reader to the end without a runtime.
fn async_read_all<R: futures_io::AsyncRead + Unpin>(mut r: R) -> (Vec<u8>, Option<io::Error>) {
    let mut cx = Context::from_waker(std::task::Waker::noop());
    let mut out = Vec::new();
    let mut buf = [0u8; 8];
    let mut polls = 0;
    loop {
        polls += 1;
        assert!(polls < 10_000, "the reader never finished");
        match Pin::new(&mut r).poll_read(&mut cx, &mut buf) {
            Poll::Pending => {}
            Poll::Ready(Ok(0)) => return (out, None),
            Poll::Ready(Ok(n)) => out.extend_from_slice(&buf[..n]),
            Poll::Ready(Err(e)) => return (out, Some(e)),
        }
    }
}

#[test]
fn async_reader_behaves_like_the_sync_one() {
    let data = b"0123456789abcdefghij0123456789";
    let good = Digest::sha256(data);
    let size = data.len() as u64;
    let (out, err) = async_read_all(
        VerifyingAsyncReader::new(Flaky { data, ready: false }, good.clone(), size).unwrap(),
    );
    assert!(err.is_none(), "{err:?}");
    assert_eq!(out, data);

    let longer = [&data[..], b"!"].concat();
    let (out, err) = async_read_all(
        VerifyingAsyncReader::new(
            Flaky {
                data: &longer,
                ready: false,
            },
            good.clone(),
            size,
        )
        .unwrap(),
    );
    assert_eq!(out, data);
    assert!(matches!(
        VerifyError::from_io(&err.unwrap()),
        Some(VerifyError::TooLong { .. })
    ));

    let mut flipped = data.to_vec();
    flipped[0] ^= 0x20;
    let (_, err) = async_read_all(
        VerifyingAsyncReader::new(
            Flaky {
                data: &flipped,
                ready: false,
            },
            good.clone(),
            size,
        )
        .unwrap(),
    );
    assert!(matches!(
        VerifyError::from_io(&err.unwrap()),
        Some(VerifyError::DigestMismatch { .. })
    ));

    let (_, err) = async_read_all(
        VerifyingAsyncReader::new(
            Flaky {
                data: &data[..3],
                ready: false,
            },
            good,
            size,
        )
        .unwrap(),
    );
    assert!(matches!(
        VerifyError::from_io(&err.unwrap()),
        Some(VerifyError::Truncated { received: 3, .. })
    ));
}

// ---- descriptors and platforms ----

#[test]
fn descriptor_sizes_are_checked() {
    let json =
        |size: &str| format!(r#"{{"mediaType":"a/b","digest":"{ABC_SHA256}","size":{size}}}"#);
    assert_eq!(
        serde_json::from_str::<Descriptor>(&json("3")).unwrap().size,
        3
    );
    assert_eq!(
        serde_json::from_str::<Descriptor>(&json("9223372036854775807"))
            .unwrap()
            .size,
        i64::MAX as u64
    );
    for (size, message) in [
        ("-1", "descriptor size -1 is negative"),
        (
            "9223372036854775808",
            "descriptor size 9223372036854775808 is larger than 2^63-1",
        ),
        ("1.5", "descriptor size 1.5 is not a whole number"),
        ("\"3\"", "a size in bytes"),
    ] {
        let err = serde_json::from_str::<Descriptor>(&json(size)).unwrap_err();
        assert!(err.to_string().contains(message), "{size}: {err}");
    }
}

#[test]
fn descriptors_keep_unknown_fields_and_spec_order() {
    let json = format!(
        r#"{{"mediaType":"a/b","digest":"{ABC_SHA256}","size":3,"urls":["https://x"],"annotations":{{"b":"2","a":"1"}},"data":"YWJj","platform":{{"architecture":"arm64","os":"linux","os.version":"1","variant":"v8","x-p":true}},"artifactType":"c/d","x-new":{{"k":[1,2]}}}}"#
    );
    let d: Descriptor = serde_json::from_str(&json).unwrap();
    assert_eq!(d.extra["x-new"], serde_json::json!({"k": [1, 2]}));
    assert_eq!(
        d.platform.as_ref().unwrap().extra["x-p"],
        serde_json::json!(true)
    );
    let back = serde_json::to_string(&d).unwrap();
    assert_eq!(
        back,
        json.replace(r#"{"b":"2","a":"1"}"#, r#"{"a":"1","b":"2"}"#)
    );
    let empty = Descriptor::empty();
    assert_eq!(
        serde_json::to_string(&empty).unwrap(),
        r#"{"mediaType":"application/vnd.oci.empty.v1+json","digest":"sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a","size":2,"data":"e30="}"#
    );
}

#[test]
fn platforms() {
    let cases = [
        ("linux/amd64", "linux/amd64"),
        ("linux/x86_64", "linux/amd64"),
        ("Linux/AArch64/8", "linux/arm64"),
        ("linux/arm64/v8", "linux/arm64"),
        ("linux/armhf", "linux/arm/v7"),
        ("linux/armel", "linux/arm/v6"),
        ("linux/arm", "linux/arm/v7"),
        ("linux/arm/6", "linux/arm/v6"),
        ("linux/i386", "linux/386"),
        ("macos/arm64", "darwin/arm64"),
        ("windows/amd64:10.0.17763.1", "windows/amd64:10.0.17763.1"),
    ];
    for (input, normalized) in cases {
        let p: Platform = input.parse().unwrap();
        assert_eq!(p.normalized().to_string(), normalized, "{input}");
    }
    for bad in [
        "linux",
        "linux/",
        "/amd64",
        "linux/amd64/v8/x",
        "linux/amd64:",
        "linux/am d64",
        "",
    ] {
        let err = bad.parse::<Platform>().unwrap_err();
        assert!(
            err.to_string()
                .contains("expected OS/ARCH[/VARIANT][:OS_VERSION]"),
            "{bad}"
        );
    }
    let m = |want: &str, have: &str| {
        want.parse::<Platform>()
            .unwrap()
            .matches(&have.parse().unwrap())
    };
    assert!(m("linux/arm64", "linux/arm64/v8"));
    assert!(m("linux/arm64/v8", "linux/aarch64"));
    assert!(m("linux/arm", "linux/arm/v7"));
    assert!(!m("linux/arm/v6", "linux/arm/v7"));
    assert!(!m("linux/amd64", "windows/amd64"));
    assert!(m("windows/amd64", "windows/amd64:10.0.1"));
    assert!(!m("windows/amd64:10.0.2", "windows/amd64:10.0.1"));
    let mut with_features: Platform = "windows/amd64".parse().unwrap();
    with_features.os_features = Some(vec!["win32k".into()]);
    assert!(!with_features.matches(&"windows/amd64".parse().unwrap()));
    assert!(with_features.matches(&with_features.clone()));
    let host = Platform::host();
    assert_eq!(host, host.normalized());
}

// ---- manifests ----

fn layer() -> Descriptor {
    let mut d = Descriptor::of(media_type::OCI_LAYER, b"hello");
    d.set_annotation(crate::annotations::TITLE, "hello.txt");
    d
}

#[test]
fn manifest_bytes_are_kept_exactly() {
    // Whitespace, key order and an unknown field: the digest is over these exact bytes.
    let text = format!(
        "{{ \"schemaVersion\": 2,\n  \"x-vendor\": [1, \"two\"],\n  \"mediaType\": \"{}\",\n  \"config\": {},\n  \"layers\": [{}] }}\n",
        media_type::OCI_MANIFEST,
        serde_json::to_string(&Descriptor::empty()).unwrap(),
        serde_json::to_string(&layer()).unwrap()
    );
    let m = Manifest::parse(
        text.clone().into_bytes(),
        Some("application/vnd.oci.image.manifest.v1+json; charset=utf-8"),
    )
    .unwrap();
    assert_eq!(m.bytes().as_ref(), text.as_bytes());
    assert_eq!(m.digest(), &Digest::sha256(text.as_bytes()));
    assert_eq!(
        m.descriptor(),
        Descriptor::new(
            media_type::OCI_MANIFEST,
            Digest::sha256(text.as_bytes()),
            text.len() as u64
        )
    );
    let image = m.as_image().unwrap();
    assert_eq!(image.extra["x-vendor"], serde_json::json!([1, "two"]));
    assert_eq!(image.layers, vec![layer()]);
    assert_eq!(
        m.artifact_type(),
        Some(media_type::OCI_EMPTY),
        "falls back to the config media type"
    );
    assert_eq!(m.successors(), vec![&Descriptor::empty(), &layer()]);
    // Re-serialising the parsed struct keeps the unknown field too.
    assert!(
        String::from_utf8(image.to_json())
            .unwrap()
            .contains(r#""x-vendor":[1,"two"]"#)
    );
}

#[test]
fn manifest_media_types() {
    let index = br#"{"schemaVersion":2,"manifests":[]}"#;
    let m = Manifest::parse(&index[..], None).unwrap();
    assert_eq!(
        m.media_type(),
        media_type::OCI_INDEX,
        "structure decides without type information"
    );
    let m = Manifest::parse(&index[..], Some(media_type::DOCKER_MANIFEST_LIST)).unwrap();
    assert_eq!(m.media_type(), media_type::DOCKER_MANIFEST_LIST);
    assert!(m.as_index().is_some());

    let docker = format!(
        r#"{{"schemaVersion":2,"mediaType":"{}","config":{{"mediaType":"{}","digest":"{ABC_SHA256}","size":3}},"layers":[]}}"#,
        media_type::DOCKER_MANIFEST,
        media_type::DOCKER_CONFIG
    );
    let m = Manifest::parse(docker.into_bytes(), Some(media_type::DOCKER_MANIFEST)).unwrap();
    assert_eq!(
        m.as_image().unwrap().config.media_type,
        media_type::DOCKER_CONFIG
    );

    let mismatch = Manifest::parse(&br#"{"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json","manifests":[]}"#[..], Some(media_type::OCI_MANIFEST)).unwrap_err();
    assert_eq!(
        mismatch.to_string(),
        "manifest media type \"application/vnd.oci.image.index.v1+json\" does not match the Content-Type \"application/vnd.oci.image.manifest.v1+json\""
    );

    // Unknown media types are preserved, not rejected, even when not JSON.
    let schema1 = Manifest::parse(
        &b"not json at all"[..],
        Some("application/vnd.docker.distribution.manifest.v1+prettyjws"),
    )
    .unwrap();
    assert_eq!(schema1.content(), &Content::Other);
    assert_eq!(schema1.bytes().as_ref(), b"not json at all");
    assert_eq!(schema1.successors(), Vec::<&Descriptor>::new());
}

/// An error and its sources joined by `: `, as an application shows them.
fn chain(e: &(dyn std::error::Error + 'static)) -> String {
    let mut out = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        out.push_str(": ");
        out.push_str(&s.to_string());
        source = s.source();
    }
    out
}

#[test]
fn bad_manifests_are_clear_errors() {
    let cases: [(&[u8], Option<&str>, &str); 6] = [
        (b"not json", Some(media_type::OCI_MANIFEST), "invalid manifest of type application/vnd.oci.image.manifest.v1+json: expected ident"),
        (b"not json", None, "cannot tell the manifest's media type"),
        (br#"{"schemaVersion":2}"#, None, "cannot tell the manifest's media type"),
        (br#"{"schemaVersion":2,"layers":[]}"#, Some(media_type::OCI_MANIFEST), "missing field `config`"),
        (br#"{"schemaVersion":1,"manifests":[]}"#, None, "unsupported manifest schemaVersion 1"),
        (
            br#"{"schemaVersion":2,"manifests":[{"mediaType":"a/b","digest":"sha256:x","size":1}]}"#,
            None,
            "sha256 digests are 64 lowercase hex characters",
        ),
    ];
    for (bytes, ct, message) in cases {
        let err = Manifest::parse(bytes, ct).unwrap_err();
        assert!(
            chain(&err).contains(message),
            "{:?}: {err}",
            String::from_utf8_lossy(bytes)
        );
    }
    let big = vec![b' '; 101];
    let err = Manifest::parse_with_limit(big, Some(media_type::OCI_MANIFEST), 100).unwrap_err();
    assert!(matches!(
        err,
        ManifestError::TooLarge {
            size: 101,
            limit: 100
        }
    ));
    assert_eq!(
        err.to_string(),
        "manifest of 101 bytes exceeds the limit of 100 bytes"
    );
    let over_default = vec![b' '; crate::manifest::DEFAULT_MANIFEST_SIZE_LIMIT + 1];
    assert!(matches!(
        Manifest::parse(over_default, None),
        Err(ManifestError::TooLarge { .. })
    ));
}

#[test]
fn referrer_descriptors() {
    let mut opts = PackOptions::default();
    opts.artifact_type = Some("application/vnd.example.sbom".into());
    opts.subject = Some(Descriptor::of(media_type::OCI_MANIFEST, b"{}"));
    opts.annotations.insert("k".into(), "v".into());
    opts.created = Created::Omit;
    let m = pack_manifest(opts).unwrap().manifest;
    let r = m.referrer_descriptor();
    assert_eq!(
        r.artifact_type.as_deref(),
        Some("application/vnd.example.sbom")
    );
    assert_eq!(r.annotation("k"), Some("v"));
    assert_eq!(r.digest, *m.digest());
    assert_eq!(m.subject().unwrap().digest, Digest::sha256(b"{}"));
    assert_eq!(
        m.successors()[0],
        m.subject().unwrap(),
        "the subject comes first"
    );
}

// ---- packing ----

#[test]
fn pack_1_1_golden() {
    let mut opts = PackOptions::default();
    opts.artifact_type = Some("application/vnd.example".into());
    opts.layers = vec![layer()];
    opts.created = Created::At(UNIX_EPOCH + Duration::from_secs(1_700_000_000));
    let packed = pack_manifest(opts.clone()).unwrap();
    let want = concat!(
        r#"{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","artifactType":"application/vnd.example","#,
        r#""config":{"mediaType":"application/vnd.oci.empty.v1+json","digest":"sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a","size":2,"data":"e30="},"#,
        r#""layers":[{"mediaType":"application/vnd.oci.image.layer.v1.tar","digest":"sha256:2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824","size":5,"annotations":{"org.opencontainers.image.title":"hello.txt"}}],"#,
        r#""annotations":{"org.opencontainers.image.created":"2023-11-14T22:13:20Z"}}"#
    );
    assert_eq!(std::str::from_utf8(packed.manifest.bytes()).unwrap(), want);
    assert_eq!(
        packed.blobs,
        vec![(Descriptor::empty(), bytes::Bytes::from_static(b"{}"))]
    );
    assert_eq!(pack_manifest(opts).unwrap(), packed, "deterministic");
}

#[test]
fn pack_1_1_rules() {
    let err = pack_manifest(PackOptions::default()).unwrap_err();
    assert_eq!(err, PackError::MissingArtifactType);
    let mut opts = PackOptions::default();
    opts.config = Some(Descriptor::empty());
    assert_eq!(
        pack_manifest(opts).unwrap_err(),
        PackError::MissingArtifactType,
        "an empty config needs one too"
    );

    // No layers: a single empty layer, and the empty blob is listed once.
    let mut opts = PackOptions::default();
    opts.artifact_type = Some("application/vnd.example".into());
    opts.created = Created::Omit;
    let packed = pack_manifest(opts).unwrap();
    let m = packed.manifest.as_image().unwrap();
    assert_eq!(m.layers, vec![Descriptor::empty()]);
    assert_eq!(packed.blobs.len(), 1);
    assert!(m.annotations.is_none(), "Created::Omit adds nothing");

    // A real config needs no artifact type; given annotations keep a valid created time.
    let mut opts = PackOptions::default();
    opts.config = Some(Descriptor::of(
        "application/vnd.example.config+json",
        b"{\"a\":1}",
    ));
    opts.layers = vec![layer()];
    opts.annotations.insert(
        crate::annotations::CREATED.into(),
        "2000-02-29T23:59:60.5+01:00".into(),
    );
    let packed = pack_manifest(opts).unwrap();
    assert!(packed.blobs.is_empty());
    let m = packed.manifest.as_image().unwrap();
    assert_eq!(m.artifact_type, None);
    assert_eq!(
        m.annotations.as_ref().unwrap()[crate::annotations::CREATED],
        "2000-02-29T23:59:60.5+01:00"
    );

    let mut opts = PackOptions::default();
    opts.artifact_type = Some("not a media type".into());
    assert!(
        pack_manifest(opts)
            .unwrap_err()
            .to_string()
            .contains("invalid artifact type \"not a media type\"")
    );
    let mut opts = PackOptions::default();
    opts.artifact_type = Some("a/b".into());
    opts.annotations
        .insert(crate::annotations::CREATED.into(), "yesterday".into());
    assert_eq!(
        pack_manifest(opts).unwrap_err(),
        PackError::InvalidCreated("yesterday".into())
    );

    // Now: a valid RFC 3339 time is added.
    let mut opts = PackOptions::default();
    opts.artifact_type = Some("a/b".into());
    let packed = pack_manifest(opts).unwrap();
    let created = &packed
        .manifest
        .as_image()
        .unwrap()
        .annotations
        .as_ref()
        .unwrap()[crate::annotations::CREATED];
    assert!(is_rfc3339(created), "{created}");
}

#[test]
fn pack_1_0_rules() {
    let mut opts = PackOptions::default();
    opts.version = PackVersion::V1_0;
    opts.created = Created::Omit;
    let packed = pack_manifest(opts.clone()).unwrap();
    let m = packed.manifest.as_image().unwrap();
    assert_eq!(m.config.media_type, media_type::ORAS_UNKNOWN_CONFIG);
    assert_eq!(m.config.digest, Digest::sha256(b"{}"));
    assert_eq!(m.artifact_type, None);
    assert!(m.layers.is_empty());
    assert!(
        std::str::from_utf8(packed.manifest.bytes())
            .unwrap()
            .contains(r#""layers":[]"#)
    );
    assert_eq!(packed.blobs.len(), 1);

    let mut with_type = opts.clone();
    with_type.artifact_type = Some("application/vnd.example".into());
    with_type.config_annotations = Some(BTreeMap::from([("c".to_owned(), "d".to_owned())]));
    let packed = pack_manifest(with_type.clone()).unwrap();
    let config = &packed.manifest.as_image().unwrap().config;
    assert_eq!(config.media_type, "application/vnd.example");
    assert_eq!(config.annotation("c"), Some("d"));
    assert_eq!(packed.blobs[0].0, *config);
    assert!(
        !std::str::from_utf8(packed.manifest.bytes())
            .unwrap()
            .contains("artifactType")
    );

    with_type.config = Some(Descriptor::of("application/vnd.x", b"{}"));
    assert!(matches!(
        pack_manifest(with_type).unwrap_err(),
        PackError::Unsupported(_)
    ));
    let mut with_subject = opts;
    with_subject.subject = Some(layer());
    assert_eq!(
        pack_manifest(with_subject).unwrap_err(),
        PackError::Unsupported("a subject needs image spec 1.1")
    );
}

#[test]
fn rfc3339() {
    for t in [
        "2024-01-31T12:00:00Z",
        "2000-02-29T00:00:00z",
        "1999-12-31t23:59:59.123456789-08:30",
        "2016-12-31T23:59:60Z",
    ] {
        assert!(is_rfc3339(t), "{t}");
    }
    for t in [
        "",
        "2024-01-31",
        "2024-01-31 12:00:00Z",
        "2023-02-29T00:00:00Z",
        "2024-13-01T00:00:00Z",
        "2024-01-31T24:00:00Z",
        "2024-01-31T12:00:00",
        "2024-01-31T12:00:00.Z",
        "2024-01-31T12:00:00+1:00",
        "2024-01-31T12:00:00Z ",
        "2024-1-31T12:00:00Z",
    ] {
        assert!(!is_rfc3339(t), "{t}");
    }
    assert_eq!(format_rfc3339(UNIX_EPOCH), "1970-01-01T00:00:00Z");
    assert_eq!(
        format_rfc3339(UNIX_EPOCH + Duration::from_secs(951_782_400)),
        "2000-02-29T00:00:00Z"
    );
    assert_eq!(
        format_rfc3339(UNIX_EPOCH + Duration::from_secs(4_107_542_399)),
        "2100-02-28T23:59:59Z"
    );
    // Go's RFC3339Nano: the fraction without its trailing zeros, none when whole.
    assert_eq!(format_rfc3339_nano(UNIX_EPOCH), "1970-01-01T00:00:00Z");
    assert_eq!(
        format_rfc3339_nano(UNIX_EPOCH + Duration::new(1_796_148_727, 120_000_000)),
        "2026-12-01T18:12:07.12Z"
    );
    assert_eq!(
        format_rfc3339_nano(UNIX_EPOCH + Duration::new(951_782_400, 7)),
        "2000-02-29T00:00:00.000000007Z"
    );
    let at = |secs: u64, nanos: u32| UNIX_EPOCH + Duration::new(secs, nanos);
    assert_eq!(parse_rfc3339("1970-01-01T00:00:00Z"), Some(UNIX_EPOCH));
    assert_eq!(
        parse_rfc3339("2023-11-14T22:13:20Z"),
        Some(at(1_700_000_000, 0))
    );
    assert_eq!(
        parse_rfc3339("2023-11-14T23:13:20.25+01:00"),
        Some(at(1_700_000_000, 250_000_000))
    );
    assert_eq!(
        parse_rfc3339("2023-11-14T21:13:20.123456789123-01:00"),
        Some(at(1_700_000_000, 123_456_789))
    );
    assert_eq!(
        parse_rfc3339("1969-12-31T23:59:59Z"),
        UNIX_EPOCH.checked_sub(Duration::from_secs(1))
    );
    assert_eq!(
        parse_rfc3339("2016-12-31T23:59:60Z"),
        Some(at(1_483_228_800, 0)),
        "a leap second is the next second"
    );
}

proptest! {
    #[test]
    fn rfc3339_format_then_parse_round_trips(secs in 0u64..253_402_300_799) {
        let t = UNIX_EPOCH + Duration::from_secs(secs);
        prop_assert_eq!(parse_rfc3339(&format_rfc3339(t)), Some(t));
    }
}

#[cfg(feature = "oci-spec")]
#[test]
fn oci_spec_conversions() {
    let mut opts = PackOptions::default();
    opts.artifact_type = Some("application/vnd.example".into());
    opts.layers = vec![layer()];
    opts.created = Created::Omit;
    let ours = pack_manifest(opts)
        .unwrap()
        .manifest
        .as_image()
        .unwrap()
        .clone();
    let theirs = oci_spec::image::ImageManifest::try_from(&ours).unwrap();
    assert_eq!(theirs.layers().len(), 1);
    let back = crate::ImageManifest::try_from(&theirs).unwrap();
    assert_eq!(back, ours);
    let p: Platform = "linux/arm64/v8".parse().unwrap();
    let theirs = oci_spec::image::Platform::try_from(&p).unwrap();
    assert_eq!(Platform::try_from(&theirs).unwrap(), p);
}

// ---- properties ----

fn annotations() -> impl Strategy<Value = BTreeMap<String, String>> {
    proptest::collection::btree_map("[a-z.]{1,12}", "\\PC{0,16}", 0..4)
}

proptest! {
    #[test]
    fn digest_display_round_trips(alg in "[a-z0-9]{1,6}([+._-][a-z0-9]{1,4}){0,2}", enc in "[a-zA-Z0-9=_-]{1,40}") {
        let text = format!("{alg}:{enc}");
        if let Ok(d) = Digest::parse(&text) {
            prop_assert_eq!(d.to_string(), text.clone());
            prop_assert_eq!(Digest::parse(d.as_ref()).unwrap(), d);
        } else {
            prop_assert!(alg == "sha256" || alg == "sha512", "only registered algorithms add rules: {text}");
        }
    }

    #[test]
    fn manifest_bytes_survive_parsing(layers in proptest::collection::vec(("[a-z]{1,8}/[a-z]{1,8}", proptest::collection::vec(any::<u8>(), 0..32), annotations()), 0..5), ann in annotations(), extra in "[a-z]{1,10}") {
        let mut m = crate::ImageManifest::new(Descriptor::empty(), layers.into_iter().map(|(mt, data, a)| {
            let mut d = Descriptor::of(mt, &data);
            d.annotations = (!a.is_empty()).then_some(a);
            d
        }).collect());
        m.annotations = (!ann.is_empty()).then_some(ann);
        m.extra.insert(format!("x-{extra}"), serde_json::json!(extra));
        let packed = Manifest::from_image(m.clone());
        let parsed = Manifest::parse(packed.bytes().clone(), None).unwrap();
        prop_assert_eq!(parsed.digest(), &Digest::sha256(packed.bytes()));
        prop_assert_eq!(parsed.as_image().unwrap(), &m);
        let again = Manifest::from_image(parsed.as_image().unwrap().clone());
        prop_assert_eq!(again.bytes(), packed.bytes());
    }

    #[test]
    fn verification_accepts_exactly_the_right_bytes(data in proptest::collection::vec(any::<u8>(), 0..512), chunk in 1usize..64, flip in any::<proptest::sample::Index>()) {
        prop_assert_eq!(verify_chunks(&data, &data, chunk), Ok(()));
        if !data.is_empty() {
            let mut bad = data.clone();
            bad[flip.index(data.len())] ^= 0x01;
            prop_assert!(verify_chunks(&bad, &data, chunk).is_err());
            let (out, err) = read_all(VerifyingReader::new(Trickle { data: &bad, step: chunk }, Digest::sha256(&data), data.len() as u64).unwrap());
            prop_assert!(err.is_some());
            prop_assert!(out.len() < data.len(), "a corrupt stream never reaches its end");
        }
    }

    #[test]
    fn arbitrary_manifest_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..256), ct in proptest::option::of(prop_oneof![Just(media_type::OCI_MANIFEST), Just(media_type::OCI_INDEX), Just("x/y")])) {
        let _ = Manifest::parse(bytes, ct);
    }
}

#[test]
fn manifest_refs_are_tags_or_digests_by_grammar() {
    use crate::{IntoManifestRef, ManifestRef, ManifestRefError};
    let digest = format!("sha256:{}", "a".repeat(64));
    let d: ManifestRef = digest.parse().unwrap();
    assert_eq!(d.digest().map(Digest::as_str), Some(digest.as_str()));
    assert_eq!(
        (d.tag(), d.separator(), d.to_string()),
        (None, '@', digest.clone())
    );
    for tag in ["v1", "latest", "_x", "1.2.3-rc.1", &"t".repeat(128)] {
        let t = ManifestRef::parse(tag).unwrap();
        assert_eq!((t.tag(), t.digest(), t.separator()), (Some(tag), None, ':'));
    }
    for bad in ["", ".v1", "-v1", "a/b", "has space", &"t".repeat(129)] {
        assert!(
            matches!(ManifestRef::parse(bad), Err(ManifestRefError::Tag(_))),
            "{bad:?}"
        );
    }
    // A `:` means a digest, so a malformed one is a digest error, never a tag.
    for bad in ["sha256:short", "v1:", ":"] {
        assert!(
            matches!(
                ManifestRef::parse(bad),
                Err(ManifestRefError::Digest { .. })
            ),
            "{bad:?}"
        );
    }
    assert!(ManifestRef::tag_of("sha256:abc").is_err());
    assert_eq!(
        "v1".into_manifest_ref().unwrap(),
        ManifestRef::tag_of("v1").unwrap()
    );
    let parsed = Digest::parse(&digest).unwrap();
    assert_eq!((&parsed).into_manifest_ref().unwrap(), d);
}

#[test]
fn layout_reference_names_are_tags_digests_or_any_other_text() {
    use crate::{ManifestRef, ManifestRefError};
    let digest = format!("sha256:{}", "b".repeat(64));
    let cases = [
        ("v1", false, Some("v1"), false),
        (digest.as_str(), false, None, true),
        (
            "example.com/app:v1",
            true,
            Some("example.com/app:v1"),
            false,
        ),
        ("sha256:short", true, Some("sha256:short"), false),
        ("has space", true, Some("has space"), false),
    ];
    for (text, is_name, tag, is_digest) in cases {
        let r = ManifestRef::name_of(text).unwrap();
        assert_eq!(
            (r.is_name(), r.tag(), r.digest().is_some(), r.as_str()),
            (is_name, tag, is_digest, text),
            "{text:?}"
        );
    }
    assert_eq!(
        ManifestRef::name_of("example.com/app:v1")
            .unwrap()
            .separator(),
        ':'
    );
    assert!(matches!(
        ManifestRef::name_of(""),
        Err(ManifestRefError::EmptyName)
    ));
    // `parse` stays strict: names come only from `name_of`.
    assert!(ManifestRef::parse("example.com/app:v1").is_err());
}
