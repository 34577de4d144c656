//! How to reach a registry: the Go CLI's remote flags (credentials, TLS, plain HTTP,
//! `--resolve`, headers, the referrers method), their checks and warnings, and the client
//! they make. `oras cp` has each twice, prefixed `--from-` and `--to-`.

use std::io::Read;
use std::path::PathBuf;
use std::sync::Arc;

use clap::Args;
use http::header::{HeaderName, HeaderValue};
use oras_artifact::auth::{
    Authenticator, ConfigFileStore, Credential, CredentialChain, Secret, StaticCredentials,
};
use oras_artifact::distribution::{
    Client, ClientConfig, HyperOptions, HyperTransport, PlainHttp, ReferrersMode, Resolve,
};

use crate::args::{exclusive, together};
use crate::error::{CliError, Result};

/// The flags of one registry, with Go's words for them.
#[derive(Args, Clone, Debug, Default)]
pub(crate) struct RemoteArgs {
    /// registry username
    #[arg(short = 'u', long, value_name = "string")]
    pub(crate) username: Option<String>,
    /// registry password or identity token
    #[arg(short = 'p', long, value_name = "string")]
    pub(crate) password: Option<String>,
    /// registry identity token
    #[arg(long, value_name = "string")]
    pub(crate) identity_token: Option<String>,
    /// read password from stdin
    #[arg(long)]
    pub(crate) password_stdin: bool,
    /// read identity token from stdin
    #[arg(long)]
    pub(crate) identity_token_stdin: bool,
    /// allow connections to SSL registry without certs
    #[arg(long)]
    pub(crate) insecure: bool,
    /// allow insecure connections to registry without SSL check
    #[arg(long, num_args = 0..=1, require_equals = true, default_missing_value = "true")]
    pub(crate) plain_http: Option<bool>,
    /// server certificate authority file for the remote registry
    #[arg(long, value_name = "string")]
    pub(crate) ca_file: Option<PathBuf>,
    /// client certificate file for the remote registry
    #[arg(long, value_name = "string")]
    pub(crate) cert_file: Option<PathBuf>,
    /// client private key file for the remote registry
    #[arg(long, value_name = "string")]
    pub(crate) key_file: Option<PathBuf>,
    /// customized DNS for registry, formatted in `host:port:address[:address_port]`
    #[arg(long, value_name = "stringArray")]
    pub(crate) resolve: Vec<String>,
    /// `path` of the authentication file for registry
    #[arg(long, value_name = "stringArray")]
    pub(crate) registry_config: Vec<PathBuf>,
    /// add custom headers to requests
    #[arg(short = 'H', long = "header", value_name = "stringArray")]
    pub(crate) headers: Vec<String>,
    /// [Preview] set OCI distribution spec version and API option for target. Options:
    /// v1.1-referrers-tag, v1.1-referrers-api
    #[arg(long, value_name = "string")]
    pub(crate) distribution_spec: Option<String>,
    /// delete the referrers index a new one replaces, on registries without the
    /// referrers API (off as in the Go CLI, since many registries refuse DELETE)
    #[arg(long)]
    pub(crate) referrers_gc: bool,
}

/// The same flags with a prefix (`--from-…`, `--to-…`) for `oras cp`.
macro_rules! prefixed {
    ($name:ident, $p:literal, $side:literal) => {
        #[derive(Args, Clone, Debug, Default)]
        pub(crate) struct $name {
            #[arg(help = concat!($side, " registry username"), id = concat!($p, "username"), long = concat!($p, "username"), value_name = "string")]
            username: Option<String>,
            #[arg(help = concat!($side, " registry password or identity token"), id = concat!($p, "password"), long = concat!($p, "password"), value_name = "string")]
            password: Option<String>,
            #[arg(help = concat!($side, " registry identity token"), id = concat!($p, "identity-token"), long = concat!($p, "identity-token"), value_name = "string")]
            identity_token: Option<String>,
            #[arg(help = concat!("allow connections to ", $side, " SSL registry without certs"), id = concat!($p, "insecure"), long = concat!($p, "insecure"))]
            insecure: bool,
            #[arg(help = concat!("allow insecure connections to ", $side, " registry without SSL check"), id = concat!($p, "plain-http"), long = concat!($p, "plain-http"), num_args = 0..=1, require_equals = true, default_missing_value = "true")]
            plain_http: Option<bool>,
            #[arg(help = concat!("server certificate authority file for the remote ", $side, " registry"), id = concat!($p, "ca-file"), long = concat!($p, "ca-file"), value_name = "string")]
            ca_file: Option<PathBuf>,
            #[arg(help = concat!("client certificate file for the remote ", $side, " registry"), id = concat!($p, "cert-file"), long = concat!($p, "cert-file"), value_name = "string")]
            cert_file: Option<PathBuf>,
            #[arg(help = concat!("client private key file for the remote ", $side, " registry"), id = concat!($p, "key-file"), long = concat!($p, "key-file"), value_name = "string")]
            key_file: Option<PathBuf>,
            #[arg(help = concat!("customized DNS for ", $side, " registry, formatted in `host:port:address[:address_port]`"), id = concat!($p, "resolve"), long = concat!($p, "resolve"), value_name = "stringArray")]
            resolve: Vec<String>,
            #[arg(help = concat!("`path` of the authentication file for ", $side, " registry"), id = concat!($p, "registry-config"), long = concat!($p, "registry-config"), value_name = "stringArray")]
            registry_config: Vec<PathBuf>,
            #[arg(help = concat!("add custom headers to ", $side, " requests"), id = concat!($p, "header"), long = concat!($p, "header"), value_name = "stringArray")]
            headers: Vec<String>,
            #[arg(help = concat!("[Preview] set OCI distribution spec version and API option for ", $side, " target. Options: v1.1-referrers-tag, v1.1-referrers-api"), id = concat!($p, "distribution-spec"), long = concat!($p, "distribution-spec"), value_name = "string")]
            distribution_spec: Option<String>,
            #[arg(help = concat!("delete the referrers index a new one replaces on the ", $side, " (as --referrers-gc)"), id = concat!($p, "referrers-gc"), long = concat!($p, "referrers-gc"))]
            referrers_gc: bool,
            #[arg(help = concat!("set ", $side, " target as an OCI image layout"), id = concat!($p, "oci-layout"), long = concat!($p, "oci-layout"))]
            pub(crate) oci_layout: bool,
            #[arg(help = concat!("[Experimental] set the path for the ", $side, " OCI image layout target"), id = concat!($p, "oci-layout-path"), long = concat!($p, "oci-layout-path"), value_name = "string")]
            pub(crate) oci_layout_path: Option<PathBuf>,
        }

        impl $name {
            /// The side's flags, with the rules and headers given for both sides first.
            pub(crate) fn target(&self, resolve: &[String], headers: &[String]) -> super::target::TargetArgs {
                super::target::TargetArgs {
                    remote: RemoteArgs {
                        username: self.username.clone(),
                        password: self.password.clone(),
                        identity_token: self.identity_token.clone(),
                        password_stdin: false,
                        identity_token_stdin: false,
                        insecure: self.insecure,
                        plain_http: self.plain_http,
                        ca_file: self.ca_file.clone(),
                        cert_file: self.cert_file.clone(),
                        key_file: self.key_file.clone(),
                        resolve: resolve.iter().chain(&self.resolve).cloned().collect(),
                        registry_config: self.registry_config.clone(),
                        // A side's own header replaces one of the same name given
                        // for both; its resolve rules come last, and the last rule for
                        // a host wins.
                        headers: headers
                            .iter()
                            .filter(|h| !self.headers.iter().any(|mine| same_header(h, mine)))
                            .chain(&self.headers)
                            .cloned()
                            .collect(),
                        distribution_spec: self.distribution_spec.clone(),
                        referrers_gc: self.referrers_gc,
                    },
                    oci_layout: self.oci_layout,
                    oci_layout_path: self.oci_layout_path.clone(),
                    prefix: $p,
                }
            }
        }
    };
}

/// Whether two `name: value` headers have the same name.
fn same_header(a: &str, b: &str) -> bool {
    let name = |h: &str| {
        h.split(':')
            .next()
            .unwrap_or_default()
            .trim()
            .to_ascii_lowercase()
    };
    name(a) == name(b)
}

prefixed!(FromArgs, "from-", "source");
prefixed!(ToArgs, "to-", "destination");

impl RemoteArgs {
    /// Go's checks of the flags, its warnings for secrets on the command line, and the
    /// secret read from stdin when asked. `prefix` is `from-`/`to-` in `oras cp`.
    pub(crate) fn check(&mut self, prefix: &str) -> Result<()> {
        let flag = |n: &str| format!("{prefix}{n}");
        exclusive(&[
            (&flag("username"), self.username.is_some()),
            (&flag("identity-token"), self.identity_token.is_some()),
            ("identity-token-stdin", self.identity_token_stdin),
        ])?;
        exclusive(&[
            (&flag("password"), self.password.is_some()),
            (&flag("identity-token"), self.identity_token.is_some()),
            ("identity-token-stdin", self.identity_token_stdin),
            ("password-stdin", self.password_stdin),
        ])?;
        for h in &self.headers {
            match h.split_once(':') {
                Some((name, _)) if !name.trim().is_empty() => {}
                _ => return Err(CliError::new(format!("invalid header: {h:?}"))),
            }
        }
        together(&[
            (&flag("cert-file"), self.cert_file.is_some()),
            (&flag("key-file"), self.key_file.is_some()),
        ])?;
        if let Some(spec) = &self.distribution_spec
            && !matches!(spec.as_str(), "v1.1-referrers-tag" | "v1.1-referrers-api")
        {
            return Err(
                CliError::new(format!("unknown distribution specification flag: {spec}"))
                    .recommend("Available options: v1.1-referrers-tag, v1.1-referrers-api"),
            );
        }
        if self.identity_token.is_some() {
            eprintln!(
                "WARNING! Using --identity-token via the CLI is insecure. Use --identity-token-stdin."
            );
        } else if self.password.is_some() {
            eprintln!("WARNING! Using --password via the CLI is insecure. Use --password-stdin.");
        } else if self.password_stdin || self.identity_token_stdin {
            let mut secret = String::new();
            std::io::stdin().read_to_string(&mut secret).map_err(|e| {
                CliError::new(format!("reading the secret from standard input: {e}"))
            })?;
            let secret = secret.strip_suffix('\n').unwrap_or(&secret);
            let secret = secret.strip_suffix('\r').unwrap_or(secret).to_owned();
            if self.identity_token_stdin {
                self.identity_token = Some(secret);
            } else {
                self.password = Some(secret);
            }
        }
        Ok(())
    }

    /// Whether stdin is taken by a secret (so a file cannot be read from it).
    pub(crate) fn stdin_conflict(&self) -> Result<()> {
        if self.password_stdin {
            return Err(CliError::new(
                "`-` read file from input and `--password-stdin` read password from input cannot be both used",
            ));
        }
        if self.identity_token_stdin {
            return Err(CliError::new(
                "`-` read file from input and `--identity-token-stdin` read identity token from input cannot be both used",
            ));
        }
        Ok(())
    }

    /// The credential the flags give, if any: a username and password, or an identity
    /// token (a password without a username is one, as in the Go CLI).
    pub(crate) fn credential(&self) -> Option<Credential> {
        let secret = self
            .identity_token
            .clone()
            .or_else(|| self.password.clone());
        match (self.username.as_deref().filter(|u| !u.is_empty()), secret) {
            (Some(u), Some(p)) => Some(Credential::basic(u.to_owned(), p)),
            (None, Some(t)) => Some(Credential::IdentityToken(Secret::new(t))),
            (_, None) => None,
        }
    }

    /// The credentials files: those given, else Docker's and containers' defaults.
    pub(crate) fn config_files(&self) -> Vec<PathBuf> {
        if !self.registry_config.is_empty() {
            return self.registry_config.clone();
        }
        use oras_artifact::auth::store::DockerConfig;
        DockerConfig::default_path()
            .into_iter()
            .chain(DockerConfig::containers_auth_path())
            .collect()
    }

    /// A client for `host`: the credential of the flags if any, else the stored ones.
    pub(crate) fn client(&self, host: &str) -> Result<Client> {
        crate::error::read_credentials_from(self.config_files().first().map(PathBuf::as_path));
        if let Some(u) = self.username.as_deref().filter(|u| !u.is_empty())
            && self.credential().is_none()
        {
            return Err(CliError::new(format!(
                "a password is needed with the username {u:?}: use --password or --password-stdin"
            )));
        }
        match self.credential() {
            Some(c) => self.client_with(host, Some(c), false),
            None => self.client_with(host, None, true),
        }
    }

    /// A client whose credentials are `explicit` and, when `stored`, those of the files.
    pub(crate) fn client_with(
        &self,
        host: &str,
        explicit: Option<Credential>,
        stored: bool,
    ) -> Result<Client> {
        let mut options = HyperOptions::default();
        options.ca_files = self.ca_file.iter().cloned().collect();
        if let (Some(c), Some(k)) = (&self.cert_file, &self.key_file) {
            options.client_cert = Some((c.clone(), k.clone()));
        }
        if self.insecure {
            options.insecure_hosts = vec![host.to_owned()];
        }
        for rule in &self.resolve {
            let r: Resolve =
                rule.parse()
                    .map_err(|e: oras_artifact::distribution::ResolveError| {
                        CliError::new(e.to_string())
                    })?;
            options.resolve.push(r);
        }
        let mut config = ClientConfig::default();
        let tls_asked = self.ca_file.is_some() || self.cert_file.is_some() || self.insecure;
        config.plain_http = match self.plain_http {
            Some(true) => PlainHttp::Hosts(vec![host.to_owned()]),
            Some(false) => PlainHttp::Never,
            None if tls_asked => PlainHttp::Never,
            None => PlainHttp::Localhost,
        };
        for h in &self.headers {
            let (k, v) = h
                .split_once(':')
                .ok_or_else(|| CliError::new(format!("invalid header: {h:?}")))?;
            let name = HeaderName::from_bytes(k.trim().as_bytes())
                .map_err(|_| CliError::new(format!("invalid header: {h:?}")))?;
            // The value as given (Go keeps its spaces too; the server drops them).
            let value = HeaderValue::from_str(v)
                .map_err(|_| CliError::new(format!("invalid header: {h:?}")))?;
            config.headers.append(name, value);
        }
        // As the Go CLI: superseded referrers indexes are kept unless asked, since many
        // registries refuse DELETE.
        config.referrers_gc = self.referrers_gc;
        config.on_warning = Some(Arc::new(|host: &str, text: &str| {
            crate::display::warn::warn(text, Some(host));
        }));
        config.referrers = match self.distribution_spec.as_deref() {
            Some("v1.1-referrers-api") => ReferrersMode::Api,
            Some("v1.1-referrers-tag") => ReferrersMode::TagSchema,
            _ => ReferrersMode::Auto,
        };
        let mut chain = CredentialChain::new();
        if let Some(c) = explicit {
            chain = chain.then(StaticCredentials::new().with_host(host, c));
        }
        if stored {
            for p in self.config_files() {
                chain = chain.then(ConfigFileStore::new(p));
            }
        }
        let transport =
            HyperTransport::with_options(options).map_err(|e| CliError::new(e.to_string()))?;
        Ok(Client::new(transport, Authenticator::new(chain), config))
    }
}
