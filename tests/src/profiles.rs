//! The big registries as the fake registry can play them: each one's auth, its token
//! service's demands and the quirks users have met (from the services' documentation and
//! the peers' issue trackers). What a profile cannot show is said in its `known_only`.

use crate::fake::{FakeAuth, FakeRegistry, Quirks};

/// How a client logs in to a profile's registry.
#[derive(Clone, Debug)]
pub enum Login {
    /// Username and password (or token as password).
    Basic(String, String),
    /// An identity (OAuth2 refresh) token, traded for access tokens.
    IdentityToken(String),
    /// A docker credential helper `docker-credential-<name>` that prints these.
    Helper {
        /// The helper's name.
        name: String,
        /// The username it gives.
        username: String,
        /// The secret it gives.
        secret: String,
    },
}

/// One registry as deployed.
#[derive(Clone, Debug)]
pub struct Profile {
    /// Its name.
    pub name: &'static str,
    /// The fake registry playing it (serve it with `FakeServer`).
    pub registry: FakeRegistry,
    /// How to log in.
    pub login: Login,
    /// The chunk size to push with (the registry's limits are exercised with it).
    pub chunk_size: Option<usize>,
    /// What the profile plays.
    pub plays: &'static str,
    /// What is known of the service from its documentation only.
    pub known_only: &'static str,
}

const MIB: usize = 1 << 20;

fn token(user: &str, password: &str, anonymous_pull: bool) -> FakeAuth {
    FakeAuth::Token {
        user: user.to_owned(),
        password: password.to_owned(),
        anonymous_pull,
    }
}

/// Every profile.
pub fn profiles() -> Vec<Profile> {
    vec![
        Profile {
            name: "Docker Hub",
            registry: FakeRegistry::new(token("hubuser", "dckr_pat_fake", true)).with_quirks(
                Quirks {
                    refuse_delete: true,
                    rate_limit_every: Some(40),
                    service: Some("registry.docker.io".into()),
                    ..Quirks::default()
                },
            ),
            login: Login::Basic("hubuser".into(), "dckr_pat_fake".into()),
            chunk_size: None,
            plays: "a token service that wants `service=registry.docker.io` (anonymous pull tokens), DELETE refused, 429 TOOMANYREQUESTS with Retry-After and ratelimit headers",
            known_only: "the `docker.io` to `registry-1.docker.io` name mapping and `library/` prefix (unit tests of oras-reference), the real rate limits",
        },
        Profile {
            name: "GHCR",
            registry: FakeRegistry::new(token("octocat", "ghp_fake", true)).with_quirks(Quirks {
                refuse_delete: true,
                max_patch: Some(4 * MIB),
                service: Some("ghcr.io".into()),
                ..Quirks::default()
            }),
            login: Login::Basic("octocat".into(), "ghp_fake".into()),
            chunk_size: Some(8 * MIB),
            plays: "referrers through the tag schema (no API), PATCH chunks over 4 MiB refused with 413, DELETE refused",
            known_only: "package visibility and the GitHub token scopes that govern push",
        },
        Profile {
            name: "ECR",
            registry: FakeRegistry::new(FakeAuth::Basic("AWS".into(), "ecr-token-fake".into()))
                .with_quirks(Quirks {
                    min_part: Some(5 * MIB),
                    ..Quirks::default()
                }),
            login: Login::Helper {
                name: "ecr-login-fake".into(),
                username: "AWS".into(),
                secret: "ecr-token-fake".into(),
            },
            chunk_size: Some(5 * MIB),
            plays: "Basic auth with credentials from a credential helper (as `docker-credential-ecr-login`), upload parts of at least 5 MiB but the last",
            known_only: "token expiry after 12 hours, repositories that must exist before a push, ECR Public's token service",
        },
        Profile {
            name: "ACR",
            registry: FakeRegistry::new(token(
                "00000000-0000-0000-0000-000000000000",
                "unused",
                false,
            ))
            .with_identity_token("acr-refresh-token-fake")
            .with_referrers_api(50)
            .with_quirks(Quirks {
                service: Some("example.azurecr.io".into()),
                ..Quirks::default()
            }),
            login: Login::IdentityToken("acr-refresh-token-fake".into()),
            chunk_size: None,
            plays: "an identity (refresh) token traded for access tokens with the OAuth2 refresh grant, the referrers API",
            known_only: "`az acr login` writing the identity token, repository-scoped tokens",
        },
        Profile {
            name: "Harbor",
            registry: FakeRegistry::new(token("robot$ci+push", "harbor-robot-secret", false))
                .with_referrers_api(10)
                .with_quirks(Quirks {
                    service: Some("harbor-registry".into()),
                    ..Quirks::default()
                }),
            login: Login::Basic("robot$ci+push".into(), "harbor-robot-secret".into()),
            chunk_size: None,
            plays: "robot accounts whose names hold `$` and `+`, the referrers API with small pages",
            known_only: "CSRF cookies of its UI API (not the registry API), project quotas",
        },
        Profile {
            name: "Quay",
            registry: FakeRegistry::new(token("org+robot", "quay-robot-token", true)).with_quirks(
                Quirks {
                    max_monolithic: Some(2 * MIB),
                    service: Some("quay.io".into()),
                    ..Quirks::default()
                },
            ),
            login: Login::Basic("org+robot".into(), "quay-robot-token".into()),
            chunk_size: None,
            plays: "a limit on a blob sent in one request (413; Quay's is about 20 GB, played at 2 MiB)",
            known_only: "the real size of the limit",
        },
        Profile {
            name: "GitLab",
            registry: FakeRegistry::new(token("gitlab-ci-token", "job-token-fake", false))
                .with_quirks(Quirks {
                    service: Some("container_registry".into()),
                    realm_path: Some("/jwt/auth".into()),
                    ..Quirks::default()
                }),
            login: Login::Basic("gitlab-ci-token".into(), "job-token-fake".into()),
            chunk_size: None,
            plays: "a token realm at `/jwt/auth` that refuses requests without `service=container_registry`",
            known_only: "deploy tokens and the job token's lifetime",
        },
    ]
}
