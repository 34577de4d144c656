//! `oras login` and `logout`, as the Go CLI's specs (`test/e2e/suite/auth`) check them.

use oras_tests::registries;

use crate::{Work, failed, reference, succeeded, unique};

#[test]
fn login_checks_then_stores_and_logout_removes() {
    let r = &registries().basic;
    let w = Work::new();
    let (user, password) = (r.username.clone().unwrap(), r.password.clone().unwrap());
    let repo = reference(r, &unique("cli/login"));
    let anonymous = w.fails(&["push", &format!("{repo}:v1"), "hello.txt"]);
    assert!(
        anonymous.contains("basic credential not found"),
        "{anonymous}"
    );
    let file = w.path("docker/config.json");
    assert!(
        anonymous.contains(&format!(
            "Please check whether the registry credential stored in the authentication file at {:?} is correct",
            file.display().to_string()
        )),
        "{anonymous}"
    );

    let out = w.run(&["login", &r.host(), "-u", &user, "-p", "not-the-password"]);
    let err = failed(&["login"], out);
    assert!(
        err.contains("WARNING! Using --password via the CLI is insecure. Use --password-stdin."),
        "{err}"
    );
    assert!(
        err.contains("Error response from registry: unauthorized"),
        "{err}"
    );
    assert!(
        !w.path("docker/config.json").exists(),
        "refused credentials are not stored"
    );

    let stdin = w.run_stdin(
        &["login", &r.host(), "-u", &user, "--password-stdin"],
        format!("{password}\n").as_bytes(),
    );
    assert_eq!(succeeded(&["login"], stdin), "Login Succeeded\n");
    assert!(
        std::fs::read_to_string(w.path("docker/config.json"))
            .unwrap()
            .contains(&r.host())
    );
    w.ok(&["push", &format!("{repo}:v1"), "hello.txt"]);
    assert_eq!(w.ok(&["logout", &r.host()]), "", "logout is silent");
    assert!(
        !std::fs::read_to_string(w.path("docker/config.json"))
            .unwrap()
            .contains(&r.host())
    );

    // Prompted for what is missing; off a terminal, each answer is a line of stdin.
    let prompted = w.run_stdin(
        &["login", &r.host()],
        format!("{user}\n{password}\n").as_bytes(),
    );
    assert_eq!(
        succeeded(&["login"], prompted),
        "Username: Password: Login Succeeded\n"
    );
    w.ok(&["logout", &r.host()]);
    let err = failed(
        &["login"],
        w.run_stdin(&["login", &r.host(), "-u", &user], b"\n"),
    );
    assert!(err.contains("Error: password required"), "{err}");
    let err = failed(&["login"], w.run_stdin(&["login", &r.host()], b"\n\n"));
    assert!(err.contains("Error: token required"), "{err}");
    let err = w.fails(&["login", &r.host(), "-u", &user, "--identity-token", "t"]);
    assert!(
        err.contains("--username, --identity-token cannot be used at the same time"),
        "{err}"
    );
    let err = w.fails(&[
        "login",
        &r.host(),
        "--password-stdin",
        "--identity-token-stdin",
    ]);
    assert!(err.contains("cannot be used at the same time"), "{err}");
    let err = w.fails(&["login", &r.host(), "--identity-token", "t"]);
    assert!(
        err.contains(
            "WARNING! Using --identity-token via the CLI is insecure. Use --identity-token-stdin."
        ),
        "{err}"
    );

    // Another credentials file, read and written.
    let other = w.path("other-auth.json");
    let other = other.to_str().unwrap();
    let out = w.run_stdin(
        &[
            "login",
            &r.host(),
            "-u",
            &user,
            "--password-stdin",
            "--registry-config",
            other,
        ],
        password.as_bytes(),
    );
    succeeded(&["login"], out);
    w.ok(&[
        "pull",
        &format!("{repo}:v1"),
        "-o",
        "out",
        "--registry-config",
        other,
    ]);
    assert!(
        w.fails(&["pull", &format!("{repo}:v1"), "-o", "out2"])
            .contains("basic credential not found")
    );
    w.ok(&["logout", &r.host(), "--registry-config", other]);

    // -d logs requests with credentials redacted.
    let out = w.run(&[
        "-d",
        "resolve",
        &format!("{repo}:v1"),
        "-u",
        &user,
        "-p",
        &password,
    ]);
    assert!(out.status.success());
    let log = String::from_utf8_lossy(&out.stderr);
    assert!(log.contains("   \"Authorization\": \"*****\""), "{log}");
    assert!(
        !log.contains(&password),
        "the password never appears in the log"
    );
}

/// On a terminal (a pseudo-terminal made by `script`), the username is echoed as typed
/// and the password is not; each answer is typed once its prompt is there.
#[test]
fn on_a_terminal_the_password_is_not_echoed() {
    use std::io::{Read, Write};
    use std::process::Stdio;
    let r = &registries().basic;
    let w = Work::new();
    let (user, password) = (r.username.clone().unwrap(), r.password.clone().unwrap());
    let command = format!("{} login {}", env!("CARGO_BIN_EXE_oras"), r.host());
    let mut child = std::process::Command::new("script")
        .args(["-qec", &command, "/dev/null"])
        .current_dir(&w.0)
        .env("DOCKER_CONFIG", w.0.join("docker"))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    let mut stdout = child.stdout.take().unwrap();
    let mut seen = Vec::new();
    let mut wait_for = |text: &str, seen: &mut Vec<u8>| {
        let mut buf = [0u8; 256];
        while !String::from_utf8_lossy(seen).contains(text) {
            let n = stdout.read(&mut buf).unwrap();
            assert!(
                n > 0,
                "the terminal closed before {text:?}: {}",
                String::from_utf8_lossy(seen)
            );
            seen.extend_from_slice(&buf[..n]);
        }
    };
    wait_for("Username: ", &mut seen);
    stdin.write_all(format!("{user}\n").as_bytes()).unwrap();
    wait_for("Password: ", &mut seen);
    stdin.write_all(format!("{password}\n").as_bytes()).unwrap();
    wait_for("Login Succeeded", &mut seen);
    drop(stdin);
    assert!(child.wait().unwrap().success());
    let screen = String::from_utf8_lossy(&seen).replace('\r', "");
    assert!(
        screen.starts_with(&format!("Username: {user}\nPassword: \nLogin Succeeded")),
        "{screen:?}"
    );
    assert!(
        !screen.contains(&password),
        "the password was echoed: {screen:?}"
    );
    assert!(
        std::fs::read_to_string(w.path("docker/config.json"))
            .unwrap()
            .contains(&r.host())
    );
}
