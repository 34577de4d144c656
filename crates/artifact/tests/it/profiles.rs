//! The artifact round trip against the big registries as the fake registry plays them
//! (`oras_tests::profiles`): each one's login, token service and quirks, over HTTP.

use std::time::Duration;

use oras_artifact::auth::{Authenticator, ConfigFileStore, Credential, StaticCredentials};
use oras_artifact::distribution::{Client, ClientConfig, HyperTransport};
use oras_artifact::prelude::*;
use oras_artifact::{CopyOptions, FileSpec, PullOptions, PushOptions, Remote, copy, pull, push};
use oras_tests::profiles::{Login, Profile, profiles};
use oras_tests::server::FakeServer;

use crate::TempDir;

/// A client that logs in as the profile says (a helper script written into `work` for
/// credential helpers).
fn client(profile: &Profile, host: &str, work: &TempDir) -> Client {
    let mut config = ClientConfig::default();
    config.chunk_size = profile.chunk_size;
    config.retry.initial_backoff = Duration::from_millis(5);
    let auth = match &profile.login {
        Login::Basic(user, password) => Authenticator::new(
            StaticCredentials::new()
                .with_host(host, Credential::basic(user.clone(), password.clone())),
        ),
        Login::IdentityToken(token) => Authenticator::new(
            StaticCredentials::new()
                .with_host(host, Credential::IdentityToken(token.clone().into())),
        ),
        Login::Helper {
            name,
            username,
            secret,
        } => {
            use std::os::unix::fs::PermissionsExt;
            let bin = work.join("bin");
            std::fs::create_dir_all(&bin).unwrap();
            let helper = bin.join(format!("docker-credential-{name}"));
            std::fs::write(
                &helper,
                format!(
                    "#!/bin/sh\n[ \"$1\" = get ] || exit 1\nread host\nprintf '{{\"ServerURL\":\"%s\",\"Username\":\"{username}\",\"Secret\":\"{secret}\"}}' \"$host\"\n"
                ),
            )
            .unwrap();
            std::fs::set_permissions(&helper, std::fs::Permissions::from_mode(0o755)).unwrap();
            let config_json = work.join("config.json");
            std::fs::write(
                &config_json,
                format!(r#"{{"credHelpers":{{"{host}":"{name}"}}}}"#),
            )
            .unwrap();
            Authenticator::new(ConfigFileStore::new(config_json).with_helper_dirs(vec![bin]))
        }
    };
    Client::new(HyperTransport::new().unwrap(), auth, config)
}

/// The scenario suite, then what the quirks are about: a 12 MiB file (chunked where the
/// profile pushes in chunks, or refused in one request and sent again in chunks), a copy
/// to another repository of the same registry, and a pull of it.
async fn round_trip(profile: Profile) {
    let server = FakeServer::start(profile.registry.clone());
    let work = TempDir::new();
    let c = client(&profile, &server.host(), &work);
    let repo = |name: &str| {
        Remote::new(c.repository(&format!("{}/{name}", server.host()).parse().unwrap()))
    };
    crate::scenarios::scenarios(&repo("team/app")).await;

    let big: Vec<u8> = (0..12 * (1u32 << 20))
        .map(|i| (i.wrapping_mul(2654435761) >> 24) as u8)
        .collect();
    std::fs::write(work.join("big.bin"), &big).unwrap();
    let mut o = PushOptions::default();
    o.artifact_type = Some("application/vnd.oras-rs.profile".into());
    o.tags = vec!["big".into()];
    let source = repo("team/big");
    push(
        &source,
        &[FileSpec::named(work.join("big.bin"), "big.bin")],
        &o,
    )
    .await
    .unwrap_or_else(|e| panic!("{}: {}", profile.name, oras_tests::report(&e)));
    let mirror = repo("mirror/big");
    let mut co = CopyOptions::default();
    co.referrers_depth = 1;
    copy(&source, "big", &mirror, Some("big"), &co)
        .await
        .unwrap_or_else(|e| panic!("{}: {}", profile.name, oras_tests::report(&e)));
    let out = work.join("out");
    pull(&mirror, "big", &out, &PullOptions::default())
        .await
        .unwrap_or_else(|e| panic!("{}: {}", profile.name, oras_tests::report(&e)));
    assert_eq!(
        std::fs::read(out.join("big.bin")).unwrap(),
        big,
        "{}",
        profile.name
    );
    assert_eq!(
        mirror.resolve(&"big".parse().unwrap()).await.unwrap(),
        source.resolve(&"big".parse().unwrap()).await.unwrap()
    );
    // The quirk was met, not stepped around.
    let seen = profile.registry.seen();
    let met = |method: &str, path: &str, status: u16| {
        seen.iter()
            .any(|s| s.method == method && s.path.contains(path) && s.status == status)
    };
    let quirk_met = match profile.name {
        "Docker Hub" => met("GET", "/v2/", 429) || met("HEAD", "/v2/", 429),
        "GHCR" => met("PATCH", "/blobs/uploads/", 413) && met("PATCH", "/blobs/uploads/", 202),
        "ECR" => {
            met("PATCH", "/blobs/uploads/", 202)
                && seen.iter().any(|s| s.status == 401)
                && seen.iter().any(|s| {
                    s.authorization.as_deref()
                        == Some(&oras_tests::fake::basic("AWS", "ecr-token-fake"))
                })
        }
        "ACR" => met("POST", "/token", 200) && met("GET", "/referrers/", 200),
        "Harbor" => met("GET", "/token?", 200) && met("GET", "/referrers/", 200),
        "Quay" => met("PUT", "/blobs/uploads/", 413) && met("PATCH", "/blobs/uploads/", 202),
        "GitLab" => met("GET", "/jwt/auth?", 200),
        other => panic!("no check for {other}"),
    };
    assert!(quirk_met, "{}: {seen:#?}", profile.name);
}

#[tokio::test]
async fn the_round_trip_works_against_every_registry_profile() {
    let all = profiles();
    assert!(all.len() >= 7);
    for p in all {
        let name = p.name;
        eprintln!("profile {name}: {}", p.plays);
        round_trip(p).await;
    }
}
