//! Where a command reads or writes: a registry repository or an OCI layout directory,
//! and the flags that say how to reach it.

use std::io::IsTerminal;
use std::path::PathBuf;

use clap::Args;
use http::header::{HeaderName, HeaderValue};
use oras_artifact::auth::{
    Authenticator, ConfigFileStore, Credential, CredentialChain, Secret, StaticCredentials,
};
use oras_artifact::distribution::{
    Client, ClientConfig, HyperOptions, HyperTransport, PlainHttp, ReferrersMode,
};
use oras_artifact::oci::{Digest, ManifestRef};
use oras_artifact::reference::Reference;
use oras_artifact::{OciLayout, Remote, Target};

use crate::error::CliError;

/// How to reach one registry or layout.
#[derive(Args, Clone, Debug, Default)]
pub(crate) struct RemoteArgs {
    /// Use plain HTTP (localhost and 127.0.0.1 use it by default unless TLS options are
    /// given; `--plain-http=false` forces HTTPS)
    #[arg(long, num_args = 0..=1, require_equals = true, default_missing_value = "true")]
    pub(crate) plain_http: Option<bool>,
    /// Do not verify the registry's TLS certificate
    #[arg(long)]
    pub(crate) insecure: bool,
    /// Also trust this CA certificate (PEM)
    #[arg(long, value_name = "FILE")]
    pub(crate) ca_file: Option<PathBuf>,
    /// Client certificate (PEM) for mutual TLS
    #[arg(long, value_name = "FILE")]
    pub(crate) cert_file: Option<PathBuf>,
    /// Client certificate key (PEM) for mutual TLS
    #[arg(long, value_name = "FILE")]
    pub(crate) key_file: Option<PathBuf>,
    /// Registry username
    #[arg(short = 'u', long)]
    pub(crate) username: Option<String>,
    /// Registry password or identity token
    #[arg(short = 'p', long)]
    pub(crate) password: Option<String>,
    /// Read the password from standard input
    #[arg(long)]
    pub(crate) password_stdin: bool,
    /// Registry identity (refresh) token
    #[arg(long)]
    pub(crate) identity_token: Option<String>,
    /// Path of the credentials file (default: Docker's config.json)
    #[arg(long, value_name = "PATH")]
    pub(crate) registry_config: Option<PathBuf>,
    /// Add a request header, `name: value` (repeatable)
    #[arg(short = 'H', long = "header", value_name = "HEADER")]
    pub(crate) headers: Vec<String>,
    /// The target is an OCI image layout directory: DIR[:TAG|@DIGEST]
    #[arg(long)]
    pub(crate) oci_layout: bool,
    /// Referrers: v1.1-referrers-api or v1.1-referrers-tag (default: detect)
    #[arg(long, value_parser = ["v1.1-referrers-api", "v1.1-referrers-tag"])]
    pub(crate) distribution_spec: Option<String>,
    /// Delete referrers indexes a new one replaces, on registries without the referrers
    /// API (off by default, as the Go CLI: many registries refuse DELETE; a refusal is a
    /// warning)
    #[arg(long)]
    pub(crate) referrers_gc: bool,
}

/// The same flags with a prefix (`--from-…`, `--to-…`) for `oras copy`.
macro_rules! prefixed {
    ($name:ident, $p:literal, $side:literal) => {
        #[derive(Args, Clone, Debug, Default)]
        pub(crate) struct $name {
            #[doc = concat!("Use plain HTTP for the ", $side)]
            #[arg(id = concat!($p, "plain-http"), long = concat!($p, "plain-http"), num_args = 0..=1, require_equals = true, default_missing_value = "true")]
            plain_http: Option<bool>,
            #[doc = concat!("Do not verify the ", $side, "'s TLS certificate")]
            #[arg(id = concat!($p, "insecure"), long = concat!($p, "insecure"))]
            insecure: bool,
            #[doc = concat!("CA certificate (PEM) for the ", $side)]
            #[arg(id = concat!($p, "ca-file"), long = concat!($p, "ca-file"), value_name = "FILE")]
            ca_file: Option<PathBuf>,
            #[doc = concat!("Client certificate (PEM) for the ", $side)]
            #[arg(id = concat!($p, "cert-file"), long = concat!($p, "cert-file"), value_name = "FILE")]
            cert_file: Option<PathBuf>,
            #[doc = concat!("Client certificate key (PEM) for the ", $side)]
            #[arg(id = concat!($p, "key-file"), long = concat!($p, "key-file"), value_name = "FILE")]
            key_file: Option<PathBuf>,
            #[doc = concat!("Username for the ", $side)]
            #[arg(id = concat!($p, "username"), long = concat!($p, "username"))]
            username: Option<String>,
            #[doc = concat!("Password for the ", $side)]
            #[arg(id = concat!($p, "password"), long = concat!($p, "password"))]
            password: Option<String>,
            #[doc = concat!("Identity token for the ", $side)]
            #[arg(id = concat!($p, "identity-token"), long = concat!($p, "identity-token"))]
            identity_token: Option<String>,
            #[doc = concat!("Credentials file for the ", $side)]
            #[arg(id = concat!($p, "registry-config"), long = concat!($p, "registry-config"), value_name = "PATH")]
            registry_config: Option<PathBuf>,
            #[doc = concat!("The ", $side, " is an OCI image layout directory")]
            #[arg(id = concat!($p, "oci-layout"), long = concat!($p, "oci-layout"))]
            oci_layout: bool,
            #[doc = concat!("Referrers for the ", $side, ": v1.1-referrers-api or v1.1-referrers-tag")]
            #[arg(id = concat!($p, "distribution-spec"), long = concat!($p, "distribution-spec"), value_parser = ["v1.1-referrers-api", "v1.1-referrers-tag"])]
            distribution_spec: Option<String>,
            #[doc = concat!("Delete superseded referrers indexes on the ", $side)]
            #[arg(id = concat!($p, "referrers-gc"), long = concat!($p, "referrers-gc"))]
            referrers_gc: bool,
        }

        impl $name {
            pub(crate) fn remote(&self, headers: &[String]) -> RemoteArgs {
                RemoteArgs {
                    plain_http: self.plain_http,
                    insecure: self.insecure,
                    ca_file: self.ca_file.clone(),
                    cert_file: self.cert_file.clone(),
                    key_file: self.key_file.clone(),
                    username: self.username.clone(),
                    password: self.password.clone(),
                    password_stdin: false,
                    identity_token: self.identity_token.clone(),
                    registry_config: self.registry_config.clone(),
                    headers: headers.to_vec(),
                    oci_layout: self.oci_layout,
                    distribution_spec: self.distribution_spec.clone(),
                    referrers_gc: self.referrers_gc,
                }
            }
        }
    };
}

prefixed!(FromArgs, "from-", "source");
prefixed!(ToArgs, "to-", "destination");

/// An opened target and what the user's reference named in it.
pub(crate) struct Opened {
    pub(crate) target: Box<dyn Target>,
    /// The tag or digest, if the reference had one.
    pub(crate) reference: Option<ManifestRef>,
    /// `localhost:5000/repo` or the layout directory, for messages.
    pub(crate) name: String,
    /// `[registry]` or `[oci-layout]`.
    pub(crate) kind: &'static str,
}

impl Opened {
    /// `name:tag` or `name@digest` for messages and JSON.
    pub(crate) fn show(&self, reference: &ManifestRef) -> String {
        format!("{}{}{reference}", self.name, reference.separator())
    }

    /// `name@digest`.
    pub(crate) fn show_digest(&self, digest: &Digest) -> String {
        format!("{}@{digest}", self.name)
    }

    /// `name:tag`.
    pub(crate) fn show_tag(&self, tag: &str) -> String {
        format!("{}:{tag}", self.name)
    }

    /// The tag or digest the command needs, or an error saying how to give one.
    pub(crate) fn required(&self, what: &str) -> Result<&ManifestRef, CliError> {
        self.reference.as_ref().ok_or_else(|| {
            CliError::new(format!(
                "{what} needs a tag or digest: {}:TAG or {}@DIGEST",
                self.name, self.name
            ))
        })
    }
}

/// Splits `DIR[:TAG|@DIGEST]` (an OCI layout reference).
pub(crate) fn split_layout(reference: &str) -> (String, Option<String>) {
    if let Some((dir, digest)) = reference.rsplit_once('@') {
        return (dir.to_owned(), Some(digest.to_owned()));
    }
    match reference.rfind(':') {
        Some(i) if !reference[i..].contains('/') && i > 0 => (
            reference[..i].to_owned(),
            Some(reference[i + 1..].to_owned()),
        ),
        _ => (reference.to_owned(), None),
    }
}

/// Splits a `:t1,t2` tag list off a reference: (reference with the first tag, all tags).
pub(crate) fn split_tags(reference: &str) -> (String, Vec<String>) {
    let tail_start = reference.rfind('/').map_or(0, |i| i + 1);
    match reference[tail_start..].rfind(':') {
        Some(i) if !reference.contains('@') => {
            let at = tail_start + i;
            let tags: Vec<String> = reference[at + 1..]
                .split(',')
                .filter(|t| !t.is_empty())
                .map(str::to_owned)
                .collect();
            let first = tags.first().cloned().unwrap_or_default();
            (format!("{}:{first}", &reference[..at]), tags)
        }
        _ => (reference.to_owned(), Vec::new()),
    }
}

/// Opens the target a reference names.
pub(crate) async fn open(args: &RemoteArgs, reference: &str) -> Result<Opened, CliError> {
    if args.oci_layout {
        let (dir, tag_or_digest) = split_layout(reference);
        let layout = OciLayout::open(&dir).map_err(CliError::from)?;
        return Ok(Opened {
            target: Box::new(layout),
            reference: tag_or_digest
                .as_deref()
                .map(ManifestRef::parse)
                .transpose()?,
            name: dir,
            kind: "[oci-layout]",
        });
    }
    let r = Reference::parse(reference).map_err(|e| CliError::new(format!("{e}")))?;
    let client = client(args, r.registry())?;
    Ok(Opened {
        target: Box::new(Remote::new(client.repository(&r))),
        reference: r.tag_or_digest().map(ManifestRef::parse).transpose()?,
        name: r.name(),
        kind: "[registry]",
    })
}

/// The explicit credential the flags give, if any.
pub(crate) fn explicit_credential(args: &RemoteArgs) -> Result<Option<Credential>, CliError> {
    if let Some(t) = &args.identity_token {
        return Ok(Some(Credential::IdentityToken(Secret::new(t.clone()))));
    }
    let password = if args.password_stdin {
        let mut line = String::new();
        std::io::stdin()
            .read_line(&mut line)
            .map_err(|e| CliError::new(format!("reading the password from standard input: {e}")))?;
        Some(line.trim_end_matches(['\r', '\n']).to_owned())
    } else {
        args.password.clone()
    };
    match (&args.username, password) {
        (Some(u), Some(p)) if !u.is_empty() => Ok(Some(Credential::basic(u.clone(), p))),
        (None, Some(p)) => Ok(Some(Credential::IdentityToken(Secret::new(p)))),
        (Some(u), None) => Err(CliError::new(format!(
            "a password is needed with the username {u:?}: use --password or --password-stdin"
        ))),
        _ => Ok(None),
    }
}

/// A client for `host` configured from the flags.
pub(crate) fn client(args: &RemoteArgs, host: &str) -> Result<Client, CliError> {
    client_with(args, host, explicit_credential(args)?, true)
}

/// A client whose credentials are `explicit` and, when `stored`, those of the config files.
pub(crate) fn client_with(
    args: &RemoteArgs,
    host: &str,
    explicit: Option<Credential>,
    stored: bool,
) -> Result<Client, CliError> {
    let mut options = HyperOptions::default();
    options.ca_files = args.ca_file.iter().cloned().collect();
    match (&args.cert_file, &args.key_file) {
        (Some(c), Some(k)) => options.client_cert = Some((c.clone(), k.clone())),
        (None, None) => {}
        _ => return Err(CliError::new("--cert-file and --key-file go together")),
    }
    if args.insecure {
        options.insecure_hosts = vec![host.to_owned()];
    }
    let mut config = ClientConfig::default();
    let tls_asked = args.ca_file.is_some() || args.cert_file.is_some() || args.insecure;
    config.plain_http = match args.plain_http {
        Some(true) => PlainHttp::Hosts(vec![host.to_owned()]),
        Some(false) => PlainHttp::Never,
        None if tls_asked => PlainHttp::Never,
        None => PlainHttp::Localhost,
    };
    for h in &args.headers {
        let (k, v) = h.split_once(':').ok_or_else(|| {
            CliError::new(format!("invalid header {h:?}: expected `name: value`"))
        })?;
        let name = HeaderName::from_bytes(k.trim().as_bytes())
            .map_err(|_| CliError::new(format!("invalid header name {k:?}")))?;
        let value = HeaderValue::from_str(v.trim())
            .map_err(|_| CliError::new(format!("invalid header value in {h:?}")))?;
        config.headers.append(name, value);
    }
    // As the Go CLI: superseded referrers indexes are kept unless asked, since many
    // registries refuse DELETE.
    config.referrers_gc = args.referrers_gc;
    config.on_warning = Some(std::sync::Arc::new(|host: &str, text: &str| {
        eprintln!("Warning: {text} (registry {host})");
    }));
    config.referrers = match args.distribution_spec.as_deref() {
        Some("v1.1-referrers-api") => ReferrersMode::Api,
        Some("v1.1-referrers-tag") => ReferrersMode::TagSchema,
        _ => ReferrersMode::Auto,
    };
    let mut chain = CredentialChain::new();
    if let Some(c) = explicit {
        chain = chain.then(StaticCredentials::new().with_host(host, c));
    }
    if stored {
        let path = args
            .registry_config
            .clone()
            .or_else(oras_artifact::auth::store::DockerConfig::default_path);
        if let Some(p) = path {
            chain = chain.then(ConfigFileStore::new(p));
        }
        if args.registry_config.is_none()
            && let Some(p) = oras_artifact::auth::store::DockerConfig::containers_auth_path()
        {
            chain = chain.then(ConfigFileStore::new(p));
        }
    }
    let transport =
        HyperTransport::with_options(options).map_err(|e| CliError::new(e.to_string()))?;
    let auth = Authenticator::new(chain);
    Ok(Client::new(transport, auth, config))
}

/// Whether progress can be drawn (stderr is a terminal and not disabled).
pub(crate) fn is_tty(no_tty: bool) -> bool {
    !no_tty && std::io::stderr().is_terminal()
}
