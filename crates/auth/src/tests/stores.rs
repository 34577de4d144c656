//! Config files and credential helpers, with helper scripts written by the tests.

use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use super::block_on;
use crate::store::docker::{DOCKER_HUB_KEY, Source};
use crate::store::{ConfigFileStore, DockerConfig, Helper};
use crate::*;

/// A directory removed when dropped.
struct TempDir(PathBuf);

impl TempDir {
    fn new() -> Self {
        static N: AtomicUsize = AtomicUsize::new(0);
        let p = std::env::temp_dir().join(format!(
            "oras-auth-test-{}-{}",
            std::process::id(),
            N.fetch_add(1, Ordering::SeqCst)
        ));
        let _ = fs::remove_dir_all(&p);
        fs::create_dir_all(&p).unwrap();
        Self(p)
    }

    fn join(&self, p: &str) -> PathBuf {
        self.0.join(p)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(&self.0);
    }
}

fn script(dir: &Path, name: &str, body: &str) {
    let p = dir.join(format!("docker-credential-{name}"));
    fs::write(&p, format!("#!/bin/sh\n{body}")).unwrap();
    fs::set_permissions(&p, fs::Permissions::from_mode(0o755)).unwrap();
}

/// A helper keeping one credential per server in files under `$DIR/store`, speaking the
/// helper protocol.
fn file_helper(dir: &Path) {
    let store = dir.join("store");
    fs::create_dir_all(&store).unwrap();
    script(
        dir,
        "files",
        &format!(
            r#"store="{}"
key() {{ printf '%s' "$1" | od -An -tx1 | tr -d ' \n'; }}
case "$1" in
get) server=$(cat); f="$store/$(key "$server")"
     if [ -f "$f" ]; then cat "$f"; else echo "credentials not found in native keychain"; exit 1; fi ;;
store) json=$(cat); server=$(printf '%s' "$json" | sed 's/.*"ServerURL":"\([^"]*\)".*/\1/')
     printf '%s' "$json" > "$store/$(key "$server")" ;;
erase) server=$(cat); rm -f "$store/$(key "$server")" ;;
list) printf '{{'; sep=''; for f in "$store"/*; do [ -f "$f" ] || continue
     u=$(sed 's/.*"Username":"\([^"]*\)".*/\1/' "$f"); s=$(sed 's/.*"ServerURL":"\([^"]*\)".*/\1/' "$f")
     printf '%s"%s":"%s"' "$sep" "$s" "$u"; sep=','; done; printf '}}' ;;
*) exit 2 ;;
esac
"#,
            store.display()
        ),
    );
}

#[test]
fn config_file_lookups() {
    let dir = TempDir::new();
    let path = dir.join("config.json");
    fs::write(
        &path,
        r#"{
        "auths": {
            "https://index.docker.io/v1/": {"auth": "aHViOmh1YnBhc3M="},
            "https://registry.example/v2/": {"username": "u", "password": "p"},
            "id.example": {"auth": "PHRva2VuPjo=", "identitytoken": "refresh"},
            "tok.example": {"registrytoken": "bearer"},
            "broken.example": {"auth": "!!!"}
        },
        "proxies": {"default": {"httpProxy": "http://proxy"}}
    }"#,
    )
    .unwrap();
    let c = DockerConfig::load(&path).unwrap();
    assert_eq!(
        c.get("docker.io").unwrap(),
        Some(Credential::basic("hub", "hubpass"))
    );
    assert_eq!(
        c.get("index.docker.io").unwrap(),
        Some(Credential::basic("hub", "hubpass"))
    );
    assert_eq!(
        c.get("registry.example").unwrap(),
        Some(Credential::basic("u", "p")),
        "scheme and path ignored"
    );
    assert_eq!(
        c.get("id.example").unwrap(),
        Some(Credential::IdentityToken(Secret::new("refresh")))
    );
    assert_eq!(
        c.get("tok.example").unwrap(),
        Some(Credential::AccessToken(Secret::new("bearer")))
    );
    assert_eq!(c.get("broken.example").unwrap(), None);
    assert_eq!(c.get("other.example").unwrap(), None);
    assert_eq!(c.source("docker.io"), Source::File);

    let missing = DockerConfig::load(dir.join("nope/config.json")).unwrap();
    assert_eq!(missing.get("docker.io").unwrap(), None);
    fs::write(dir.join("bad.json"), "[1,2]").unwrap();
    let err = DockerConfig::load(dir.join("bad.json")).unwrap_err();
    assert!(
        err.to_string().ends_with("bad.json: not a JSON object"),
        "{err}"
    );
}

#[test]
fn stores_keep_other_keys_and_write_atomically() {
    let dir = TempDir::new();
    let path = dir.join("config.json");
    fs::write(&path, r#"{"auths":{"registry.example":{"auth":"b2xkOm9sZA=="},"https://registry.example/":{"auth":"eDp5"}},"currentContext":"x","plugins":{"a":{"b":[1,2]}}}"#).unwrap();
    fs::set_permissions(&path, fs::Permissions::from_mode(0o640)).unwrap();
    let mut c = DockerConfig::load(&path).unwrap();
    c.store("registry.example", &Credential::basic("new", "secret"))
        .unwrap();
    c.store("docker.io", &Credential::IdentityToken(Secret::new("idt")))
        .unwrap();

    let written: serde_json::Value = serde_json::from_slice(&fs::read(&path).unwrap()).unwrap();
    assert_eq!(written["currentContext"], "x");
    assert_eq!(written["plugins"], serde_json::json!({"a": {"b": [1, 2]}}));
    assert_eq!(
        written["auths"]["registry.example"],
        serde_json::json!({"auth": "bmV3OnNlY3JldA=="})
    );
    assert!(
        written["auths"].get("https://registry.example/").is_none(),
        "aliases of the host are replaced"
    );
    assert_eq!(
        written["auths"][DOCKER_HUB_KEY],
        serde_json::json!({"identitytoken": "idt"})
    );
    assert_eq!(
        fs::metadata(&path).unwrap().permissions().mode() & 0o777,
        0o640,
        "permissions kept"
    );
    let leftovers: Vec<_> = fs::read_dir(&dir.0)
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(
        leftovers,
        [std::ffi::OsString::from("config.json")],
        "no temporary files left"
    );
    assert_eq!(
        DockerConfig::load(&path)
            .unwrap()
            .get("registry.example")
            .unwrap(),
        Some(Credential::basic("new", "secret"))
    );

    assert!(c.erase("registry.example").unwrap());
    assert!(!c.erase("registry.example").unwrap());
    assert_eq!(
        DockerConfig::load(&path)
            .unwrap()
            .get("registry.example")
            .unwrap(),
        None
    );

    // A new file is created readable by its owner only.
    let fresh = dir.join("sub/new.json");
    DockerConfig::load(&fresh)
        .unwrap()
        .store("r.example", &Credential::basic("a", "b"))
        .unwrap();
    assert_eq!(
        fs::metadata(&fresh).unwrap().permissions().mode() & 0o777,
        0o600
    );
}

#[test]
fn an_unusable_creds_store_refuses_plain_text() {
    let dir = TempDir::new();
    let path = dir.join("config.json");
    let original = r#"{"credsStore":"nonexistent-helper-xyz","auths":{}}"#;
    fs::write(&path, original).unwrap();
    let mut c = DockerConfig::load(&path)
        .unwrap()
        .with_helper_dirs(vec![dir.0.clone()]);
    let err = c
        .store("r.example", &Credential::basic("a", "b"))
        .unwrap_err();
    let msg = err.to_string();
    assert!(msg.starts_with("credential helper docker-credential-nonexistent-helper-xyz for r.example is configured in"), "{msg}");
    // What to do about it is the CLI's to say (its e2e suite checks the advice).
    assert!(
        matches!(err, CredentialError::HelperMissing { .. }),
        "{msg}"
    );
    assert_eq!(
        fs::read_to_string(&path).unwrap(),
        original,
        "nothing written"
    );
    // Lookups fail too, instead of going on anonymously.
    assert!(matches!(
        c.get("r.example"),
        Err(CredentialError::HelperMissing { .. })
    ));
}

#[test]
fn credential_helpers() {
    let dir = TempDir::new();
    file_helper(&dir.0);
    let path = dir.join("config.json");
    fs::write(
        &path,
        r#"{"credHelpers":{"helped.example":"files"},"auths":{"plain.example":{"auth":"cDpx"}}}"#,
    )
    .unwrap();
    let mut c = DockerConfig::load(&path)
        .unwrap()
        .with_helper_dirs(vec![dir.0.clone()]);
    assert_eq!(
        c.source("helped.example"),
        Source::Helper {
            name: "files".into(),
            from_creds_store: false
        }
    );

    assert_eq!(
        c.get("helped.example").unwrap(),
        None,
        "helper has nothing yet"
    );
    c.store("helped.example", &Credential::basic("dave", "s3cret"))
        .unwrap();
    assert_eq!(
        c.get("helped.example").unwrap(),
        Some(Credential::basic("dave", "s3cret"))
    );
    assert!(
        !fs::read_to_string(&path).unwrap().contains("s3cret"),
        "the helper, not the file, holds it"
    );
    assert_eq!(
        c.get("plain.example").unwrap(),
        Some(Credential::basic("p", "q")),
        "other hosts use auths"
    );

    let helper = Helper::find(
        "files",
        std::slice::from_ref(&dir.0),
        Duration::from_secs(10),
    )
    .unwrap();
    helper
        .store(
            "id.example",
            &Credential::IdentityToken(Secret::new("idtok")),
        )
        .unwrap();
    assert_eq!(
        helper.get("id.example").unwrap(),
        Some(Credential::IdentityToken(Secret::new("idtok"))),
        "<token> means an identity token"
    );
    let listed = helper.list().unwrap();
    assert_eq!(
        listed.get("helped.example").map(String::as_str),
        Some("dave")
    );
    assert_eq!(
        listed.get("id.example").map(String::as_str),
        Some("<token>")
    );
    c.erase("helped.example").unwrap();
    assert_eq!(c.get("helped.example").unwrap(), None);

    // Docker Hub goes to helpers under Docker's key.
    let mut hub = DockerConfig::load(dir.join("hub.json"))
        .unwrap()
        .with_helper_dirs(vec![dir.0.clone()]);
    fs::write(hub.path(), r#"{"credsStore":"files"}"#).unwrap();
    hub = DockerConfig::load(hub.path())
        .unwrap()
        .with_helper_dirs(vec![dir.0.clone()]);
    hub.store("docker.io", &Credential::basic("h", "p"))
        .unwrap();
    assert_eq!(
        helper
            .list()
            .unwrap()
            .get(DOCKER_HUB_KEY)
            .map(String::as_str),
        Some("h")
    );
}

#[test]
fn failing_and_hanging_helpers_are_errors_naming_them() {
    let dir = TempDir::new();
    script(&dir.0, "boom", "echo 'keychain locked' >&2\nexit 3\n");
    script(&dir.0, "hang", "exec sleep 30\n");
    script(&dir.0, "garbage", "echo 'not json'\n");
    let find = |n: &str, t: u64| {
        Helper::find(n, std::slice::from_ref(&dir.0), Duration::from_millis(t)).unwrap()
    };

    let err = find("boom", 10_000).get("r.example").unwrap_err();
    assert_eq!(
        err.to_string(),
        "credential helper docker-credential-boom for r.example: `get` failed (exit status: 3): keychain locked"
    );
    let started = std::time::Instant::now();
    let err = find("hang", 300).get("r.example").unwrap_err();
    assert_eq!(
        err.to_string(),
        "credential helper docker-credential-hang for r.example: `get` did not finish within 300ms"
    );
    assert!(
        started.elapsed() < Duration::from_secs(20),
        "the hanging helper was killed"
    );
    let err = find("garbage", 10_000).get("r.example").unwrap_err();
    assert!(
        err.to_string()
            .ends_with("`get` did not print the credential JSON"),
        "{err}"
    );
    assert!(
        Helper::find(
            "absent-helper-xyz",
            std::slice::from_ref(&dir.0),
            Duration::from_secs(1)
        )
        .is_none()
    );
}

#[test]
fn providers_chain_in_order() {
    let dir = TempDir::new();
    let path = dir.join("config.json");
    fs::write(
        &path,
        r#"{"auths":{"a.example":{"auth":"ZmlsZTpmaWxl"},"b.example":{"auth":"ZmlsZTpmaWxl"}}}"#,
    )
    .unwrap();
    let chain = CredentialChain::new()
        .then(ConfigFileStore::new(&path))
        .first(StaticCredentials::new().with_host("a.example", Credential::basic("explicit", "x")));
    assert_eq!(
        block_on(chain.get("a.example")).unwrap(),
        Some(Credential::basic("explicit", "x")),
        "explicit first"
    );
    assert_eq!(
        block_on(chain.get("b.example")).unwrap(),
        Some(Credential::basic("file", "file")),
        "then the file"
    );
    assert_eq!(
        block_on(chain.get("c.example")).unwrap(),
        None,
        "then anonymous"
    );

    // A broken store stops the search with its error rather than going anonymous.
    fs::write(dir.join("broken.json"), "{").unwrap();
    let broken = CredentialChain::new()
        .then(ConfigFileStore::new(dir.join("broken.json")))
        .then(StaticCredentials::new().with_any_host(Credential::basic("x", "y")));
    assert!(matches!(
        block_on(broken.get("c.example")),
        Err(CredentialError::Config { .. })
    ));
}
