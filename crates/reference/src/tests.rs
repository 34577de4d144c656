use crate::grammar::{DomainRule, split};
use crate::{ParseErrorKind as K, Reference};
use proptest::prelude::*;

const SHA256: &str = "sha256:ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff";

fn sha512() -> String {
    format!("sha512:{}", "f".repeat(128))
}

/// Expected outcome of the grammar with an optional domain (distribution's
/// `reference.Parse`): (domain, path, tag, digest), or the kind of error.
type Outcome =
    Result<(Option<&'static str>, String, Option<String>, Option<String>), fn(&K) -> bool>;

fn ok(
    domain: Option<&'static str>,
    path: &str,
    tag: Option<&str>,
    digest: Option<&str>,
) -> Outcome {
    Ok((
        domain,
        path.to_owned(),
        tag.map(str::to_owned),
        digest.map(str::to_owned),
    ))
}

/// The cases of distribution's reference test suite (`reference_test.go`), as inputs and
/// expected outcomes.
#[test]
fn distribution_reference_suite() {
    let long_ok = format!("{}a", "a/".repeat(127));
    let long_bad = format!("{}a", "a/".repeat(128));
    let whale = format!("xn--7o8h.com/myimage:xn--7o8h.com@{}", sha512());
    let cases: Vec<(String, Outcome)> = vec![
        ("test_com".into(), ok(None, "test_com", None, None)),
        (
            "test.com:tag".into(),
            ok(None, "test.com", Some("tag"), None),
        ),
        (
            "test.com:5000".into(),
            ok(None, "test.com", Some("5000"), None),
        ),
        (
            "test.com/repo:tag".into(),
            ok(Some("test.com"), "repo", Some("tag"), None),
        ),
        (
            "test:5000/repo".into(),
            ok(Some("test:5000"), "repo", None, None),
        ),
        (
            "test:5000/repo:tag".into(),
            ok(Some("test:5000"), "repo", Some("tag"), None),
        ),
        (
            format!("test:5000/repo@{SHA256}"),
            ok(Some("test:5000"), "repo", None, Some(SHA256)),
        ),
        (
            format!("test:5000/repo:tag@{SHA256}"),
            ok(Some("test:5000"), "repo", Some("tag"), Some(SHA256)),
        ),
        ("".into(), Err(|k| *k == K::Empty)),
        (":justtag".into(), Err(|k| *k == K::MissingRepository)),
        (format!("@{SHA256}"), Err(|k| *k == K::MissingRepository)),
        (
            "repo@sha256:ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff0".into(),
            Err(|k| matches!(k, K::InvalidDigest { .. })),
        ),
        (
            "Uppercase:tag".into(),
            Err(|k| matches!(k, K::UppercaseRepository(_))),
        ),
        // Distribution reads "Uppercase" as a domain here, so this parses.
        (
            "Uppercase/lowercase:tag".into(),
            ok(Some("Uppercase"), "lowercase", Some("tag"), None),
        ),
        (
            "test:5000/Uppercase/lowercase:tag".into(),
            Err(|k| matches!(k, K::UppercaseRepository(_))),
        ),
        (
            "lowercase:Uppercase".into(),
            ok(None, "lowercase", Some("Uppercase"), None),
        ),
        (
            format!("{long_bad}:tag"),
            Err(|k| matches!(k, K::NameTooLong { len: 257 })),
        ),
        (
            format!("{long_ok}:tag-puts-this-over-max"),
            Ok((
                Some("a"),
                long_ok[2..].to_owned(),
                Some("tag-puts-this-over-max".into()),
                None,
            )),
        ),
        (
            "aa/asdf$$^/aa".into(),
            Err(|k| matches!(k, K::InvalidRepository(_))),
        ),
        (
            "sub-dom1.foo.com/bar/baz/quux".into(),
            ok(Some("sub-dom1.foo.com"), "bar/baz/quux", None, None),
        ),
        (
            "sub-dom1.foo.com/bar/baz/quux:some-long-tag".into(),
            ok(
                Some("sub-dom1.foo.com"),
                "bar/baz/quux",
                Some("some-long-tag"),
                None,
            ),
        ),
        (
            "b.gcr.io/test.example.com/my-app:test.example.com".into(),
            ok(
                Some("b.gcr.io"),
                "test.example.com/my-app",
                Some("test.example.com"),
                None,
            ),
        ),
        (
            "xn--n3h.com/myimage:xn--n3h.com".into(),
            ok(Some("xn--n3h.com"), "myimage", Some("xn--n3h.com"), None),
        ),
        (
            whale,
            Ok((
                Some("xn--7o8h.com"),
                "myimage".into(),
                Some("xn--7o8h.com".into()),
                Some(sha512()),
            )),
        ),
        (
            "foo_bar.com:8080".into(),
            ok(None, "foo_bar.com", Some("8080"), None),
        ),
        (
            "foo/foo_bar.com:8080".into(),
            ok(Some("foo"), "foo_bar.com", Some("8080"), None),
        ),
        ("192.168.1.1".into(), ok(None, "192.168.1.1", None, None)),
        (
            "192.168.1.1:tag".into(),
            ok(None, "192.168.1.1", Some("tag"), None),
        ),
        (
            "192.168.1.1:5000".into(),
            ok(None, "192.168.1.1", Some("5000"), None),
        ),
        (
            "192.168.1.1/repo".into(),
            ok(Some("192.168.1.1"), "repo", None, None),
        ),
        (
            "192.168.1.1:5000/repo".into(),
            ok(Some("192.168.1.1:5000"), "repo", None, None),
        ),
        (
            "192.168.1.1:5000/repo:5050".into(),
            ok(Some("192.168.1.1:5000"), "repo", Some("5050"), None),
        ),
        ("[2001:db8::1]".into(), Err(|_| true)),
        ("[2001:db8::1]:5000".into(), Err(|_| true)),
        ("[2001:db8::1]:tag".into(), Err(|_| true)),
        (
            "[2001:db8::1]/repo".into(),
            ok(Some("[2001:db8::1]"), "repo", None, None),
        ),
        (
            "[2001:db8:1:2:3:4:5:6]/repo:tag".into(),
            ok(Some("[2001:db8:1:2:3:4:5:6]"), "repo", Some("tag"), None),
        ),
        (
            "[2001:db8::1]:5000/repo".into(),
            ok(Some("[2001:db8::1]:5000"), "repo", None, None),
        ),
        (
            "[2001:db8::1]:5000/repo:tag".into(),
            ok(Some("[2001:db8::1]:5000"), "repo", Some("tag"), None),
        ),
        (
            format!("[2001:db8::1]:5000/repo@{SHA256}"),
            ok(Some("[2001:db8::1]:5000"), "repo", None, Some(SHA256)),
        ),
        (
            format!("[2001:db8::1]:5000/repo:tag@{SHA256}"),
            ok(
                Some("[2001:db8::1]:5000"),
                "repo",
                Some("tag"),
                Some(SHA256),
            ),
        ),
        (
            "[2001:db8::]:5000/repo".into(),
            ok(Some("[2001:db8::]:5000"), "repo", None, None),
        ),
        (
            "[::1]:5000/repo".into(),
            ok(Some("[::1]:5000"), "repo", None, None),
        ),
        ("[fe80::1%eth0]:5000/repo".into(), Err(|_| true)),
        ("[fe80::1%@invalidzone]:5000/repo".into(), Err(|_| true)),
    ];
    for (input, want) in cases {
        let got = split(&input, DomainRule::Optional);
        match (&got, &want) {
            (Ok(p), Ok((d, path, tag, digest))) => {
                assert_eq!(p.domain, *d, "domain of {input:?}");
                assert_eq!(p.path, path, "path of {input:?}");
                assert_eq!(p.tag.map(str::to_owned), *tag, "tag of {input:?}");
                assert_eq!(p.digest.map(str::to_owned), *digest, "digest of {input:?}");
            }
            (Err(k), Err(pred)) => assert!(pred(k), "{input:?} failed with unexpected {k:?}"),
            _ => panic!(
                "{input:?}: got {got:?}, want {}",
                if want.is_ok() { "success" } else { "an error" }
            ),
        }
    }
}

/// Distribution accepts any algorithm its grammar allows and then rejects those go-digest
/// does not know; this crate leaves that to the registry.
#[test]
fn unknown_digest_algorithms_fit_the_grammar() {
    let r = Reference::parse(&format!(
        "localhost/validname@invaliddigest:{}",
        "f".repeat(64)
    ))
    .unwrap();
    assert_eq!(
        r.digest(),
        Some(format!("invaliddigest:{}", "f".repeat(64)).as_str())
    );
    for bad in [
        "1alg:ffffffffffffffffffffffffffffffff",
        "alg:fffffff",
        "alg:zzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzz",
        "noalg",
    ] {
        let err = Reference::parse(&format!("localhost/x@{bad}")).unwrap_err();
        assert!(
            matches!(err.kind(), K::InvalidDigest { .. }),
            "{bad}: {err}"
        );
    }
    let upper = format!("sha256:{}", "F".repeat(64));
    let err = Reference::parse(&format!("localhost/x@{upper}")).unwrap_err();
    assert_eq!(
        err.to_string(),
        format!(
            "invalid digest \"{upper}\": sha256 digests are 64 lowercase hex characters in reference \"localhost/x@{upper}\""
        )
    );
}

#[test]
fn strict_parsing_requires_a_registry() {
    let ok_cases = [
        ("localhost/hello", "localhost", "hello", None, None),
        (
            "localhost:5000/a/b/c:v1.0",
            "localhost:5000",
            "a/b/c",
            Some("v1.0"),
            None,
        ),
        ("127.0.0.1:5000/x", "127.0.0.1:5000", "x", None, None),
        ("[::1]:5000/x:t", "[::1]:5000", "x", Some("t"), None),
        (
            "ghcr.io/oras-project/oras",
            "ghcr.io",
            "oras-project/oras",
            None,
            None,
        ),
        ("foo/bar", "foo", "bar", None, None),
        (
            "r.io/a__b/c--d/e.f/g_h",
            "r.io",
            "a__b/c--d/e.f/g_h",
            None,
            None,
        ),
        (
            "docker.io/library/ubuntu:22.04@sha256:ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff",
            "docker.io",
            "library/ubuntu",
            Some("22.04"),
            Some(SHA256),
        ),
    ];
    for (input, registry, repository, tag, digest) in ok_cases {
        let r = Reference::parse(input).unwrap_or_else(|e| panic!("{input}: {e}"));
        assert_eq!(
            (r.registry(), r.repository(), r.tag(), r.digest()),
            (registry, repository, tag, digest),
            "{input}"
        );
        assert_eq!(r.to_string(), input);
    }
    let err_cases: [(&str, K, &str); 12] = [
        ("", K::Empty, "empty reference"),
        (
            "hello",
            K::MissingRegistry,
            "missing registry (expected REGISTRY/REPOSITORY[:TAG][@DIGEST]) in reference \"hello\"",
        ),
        ("localhost:5000", K::MissingRegistry, ""),
        (
            "localhost/",
            K::MissingRepository,
            "missing repository in reference \"localhost/\"",
        ),
        (
            "foo_bar/x",
            K::InvalidRegistry("foo_bar".into()),
            "invalid registry \"foo_bar\" in reference \"foo_bar/x\"",
        ),
        ("-a.io/x", K::InvalidRegistry("-a.io".into()), ""),
        ("a.io:99999/x", K::InvalidRegistry("a.io:99999".into()), ""),
        (
            "[fe80::1%eth0]/x",
            K::InvalidRegistry("[fe80::1%eth0]".into()),
            "",
        ),
        (
            "a.io/Repo",
            K::UppercaseRepository("Repo".into()),
            "repository \"Repo\" must be lowercase in reference \"a.io/Repo\"",
        ),
        ("a.io/x//y", K::InvalidRepository("x//y".into()), ""),
        (
            "localhost/repo:Bad Tag",
            K::InvalidTag("Bad Tag".into()),
            "invalid tag \"Bad Tag\" in reference \"localhost/repo:Bad Tag\"",
        ),
        ("localhost/repo:", K::InvalidTag("".into()), ""),
    ];
    for (input, kind, message) in err_cases {
        let err = Reference::parse(input).unwrap_err();
        assert_eq!(err.kind(), &kind, "{input}");
        assert_eq!(err.input(), input);
        if !message.is_empty() {
            assert_eq!(err.to_string(), message);
        }
    }
    let long_tag = "t".repeat(129);
    assert!(matches!(
        Reference::parse(&format!("a.io/x:{long_tag}"))
            .unwrap_err()
            .kind(),
        K::InvalidTag(_)
    ));
    assert!(Reference::parse(&format!("a.io/x:{}", &long_tag[1..])).is_ok());
}

#[test]
fn docker_normalisation() {
    let cases = [
        ("ubuntu", "docker.io/library/ubuntu:latest"),
        ("docker/docker", "docker.io/docker/docker:latest"),
        ("library/debian", "docker.io/library/debian:latest"),
        ("docker.io/docker/docker", "docker.io/docker/docker:latest"),
        ("docker.io/debian", "docker.io/library/debian:latest"),
        (
            "index.docker.io/docker/docker",
            "docker.io/docker/docker:latest",
        ),
        ("index.docker.io/debian", "docker.io/library/debian:latest"),
        (
            "127.0.0.1:5000/docker/docker",
            "127.0.0.1:5000/docker/docker:latest",
        ),
        ("127.0.0.1:5000/debian", "127.0.0.1:5000/debian:latest"),
        ("localhost/debian:1", "localhost/debian:1"),
        ("192.168.0.1", "docker.io/library/192.168.0.1:latest"),
        ("192.168.0.1:80", "docker.io/library/192.168.0.1:80"),
        ("192.168.0.1:8/debian", "192.168.0.1:8/debian:latest"),
        ("foo.com:8080/bar", "foo.com:8080/bar:latest"),
        ("foo/bar:baz", "docker.io/foo/bar:baz"),
        (
            "docker.io/1a3f5e7d9c1b3a5f7e9d1c3b5a7f9e1d3c5b7a9f1e3d5d7c9b1a3f5e7d9c1b3a",
            "docker.io/library/1a3f5e7d9c1b3a5f7e9d1c3b5a7f9e1d3c5b7a9f1e3d5d7c9b1a3f5e7d9c1b3a:latest",
        ),
        (
            "thisisthesongthatneverendsitgoesonandonandonthisisthesongthatnev",
            "docker.io/library/thisisthesongthatneverendsitgoesonandonandonthisisthesongthatnev:latest",
        ),
    ];
    for (input, want) in cases {
        let r = Reference::parse_normalized(input).unwrap_or_else(|e| panic!("{input}: {e}"));
        assert_eq!(r.to_string(), want, "{input}");
        assert_eq!(Reference::parse(want).unwrap(), r, "{want} reads back");
    }
    let hub = Reference::parse_normalized("alpine").unwrap();
    assert_eq!(hub.api_registry(), "registry-1.docker.io");
    assert_eq!(
        Reference::parse("localhost:5000/x").unwrap().api_registry(),
        "localhost:5000"
    );

    let bad = [
        "https://github.com/docker/docker",
        "docker/Docker",
        "-docker",
        "-docker/docker",
        "-docker.io/docker/docker",
        "docker///docker",
        "docker.io/docker/Docker",
        "docker.io/docker///docker",
        "1a3f5e7d9c1b3a5f7e9d1c3b5a7f9e1d3c5b7a9f1e3d5d7c9b1a3f5e7d9c1b3a",
        "",
        ":",
    ];
    for input in bad {
        assert!(
            Reference::parse_normalized(input).is_err(),
            "{input} must be refused"
        );
    }
    assert!(matches!(
        Reference::parse_normalized(
            "1a3f5e7d9c1b3a5f7e9d1c3b5a7f9e1d3c5b7a9f1e3d5d7c9b1a3f5e7d9c1b3a"
        )
        .unwrap_err()
        .kind(),
        K::HexRepository(_)
    ));
}

#[test]
fn builders_and_accessors() {
    let r = Reference::new("localhost:5000", "a/b").unwrap();
    assert_eq!(r.tag_or_digest(), None);
    let r = r.with_tag("v1").unwrap();
    assert_eq!(r.tag_or_digest(), Some("v1"));
    let r = r.with_digest(SHA256).unwrap();
    assert_eq!(
        r.tag_or_digest(),
        Some(SHA256),
        "the digest wins over the tag"
    );
    assert_eq!(r.to_string(), format!("localhost:5000/a/b:v1@{SHA256}"));
    assert_eq!(r.name(), "localhost:5000/a/b");
    assert_eq!(
        r.clone().without_digest().to_string(),
        "localhost:5000/a/b:v1"
    );
    assert_eq!(
        r.clone().without_tag().to_string(),
        format!("localhost:5000/a/b@{SHA256}")
    );
    let err = r.clone().with_tag("bad tag").unwrap_err();
    assert_eq!(
        err.to_string(),
        "invalid tag \"bad tag\" in reference \"localhost:5000/a/b:bad tag\""
    );
    assert!(r.with_digest("sha256:abc").is_err());
    assert!(Reference::new("localhost", "a:b").is_err());
    assert!(Reference::new("localhost", "a@b").is_err());
    assert!(Reference::new("local_host", "a").is_err());
    assert!(crate::is_valid_tag("v1.0_rc-1"));
    assert!(!crate::is_valid_tag(".v1"));
    assert!(crate::is_valid_repository("a/b-c"));
    assert!(!crate::is_valid_repository(""));
    assert!(!crate::is_valid_repository("a/"));
}

fn component() -> impl Strategy<Value = String> {
    "[a-z0-9]{1,6}((\\.|_|__|-{1,3})[a-z0-9]{1,6}){0,2}"
}

fn registry() -> impl Strategy<Value = String> {
    prop_oneof![
        "[a-z0-9]([a-z0-9-]{0,8}[a-z0-9])?(\\.[a-z0-9]{1,8}){0,3}",
        "[a-z]{1,8}\\.[a-z]{2,3}:[1-9][0-9]{0,3}",
        Just("localhost".to_owned()),
        Just("[::1]:5000".to_owned()),
        Just("127.0.0.1:5000".to_owned()),
    ]
}

fn reference() -> impl Strategy<Value = Reference> {
    (
        registry(),
        proptest::collection::vec(component(), 1..4),
        proptest::option::of("[A-Za-z0-9_][A-Za-z0-9_.-]{0,20}"),
        proptest::option::of(prop_oneof![
            "[0-9a-f]{64}".prop_map(|h| format!("sha256:{h}")),
            "[0-9a-f]{128}".prop_map(|h| format!("sha512:{h}"))
        ]),
    )
        .prop_map(|(registry, path, tag, digest)| Reference {
            registry,
            repository: path.join("/"),
            tag,
            digest,
        })
}

proptest! {
    #[test]
    fn display_then_parse_round_trips(r in reference()) {
        let shown = r.to_string();
        prop_assert_eq!(Reference::parse(&shown).unwrap(), r.clone());
        prop_assert_eq!(shown.parse::<Reference>().unwrap().to_string(), shown);
    }

    #[test]
    fn normalised_references_are_fixed_points(r in reference()) {
        let n = Reference::parse_normalized(&r.to_string()).unwrap();
        prop_assert_eq!(Reference::parse_normalized(&n.to_string()).unwrap(), n.clone());
        prop_assert_eq!(Reference::parse(&n.to_string()).unwrap(), n);
    }

    #[test]
    fn arbitrary_input_never_panics(s in "\\PC{0,80}") {
        if let Ok(r) = Reference::parse(&s) {
            prop_assert_eq!(Reference::parse(&r.to_string()).unwrap(), r);
        }
        let _ = Reference::parse_normalized(&s);
    }
}
