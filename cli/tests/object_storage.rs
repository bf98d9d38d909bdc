//! Summaries in object storage, against S3-compatible servers on 127.0.0.1
//! (moto's, from PyPI: `pip install 'moto[server]'`) that this test starts:
//! four shards written and merged, a retry with identical bytes accepted,
//! other bytes refused, a missing shard named; and, on a second server with
//! authentication on, refused credentials a clear error. (moto 5.2 refuses
//! every signed listing once authentication is on, whatever the key, so the
//! merges run on the first.) Without moto the test fails when `CI` is set
//! (`.ci/run` installs it), and otherwise says loudly that it did not run.

mod support;

use std::net::{TcpListener, TcpStream};
use std::os::unix::process::CommandExt;
use std::path::Path;
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

/// A moto server of this test, stopped (its whole process group) on drop.
struct Moto {
    child: Child,
    endpoint: String,
}

impl Drop for Moto {
    fn drop(&mut self) {
        // SAFETY: kill(2) on the process group this test started.
        unsafe {
            libc::kill(-(self.child.id() as libc::pid_t), libc::SIGTERM);
        }
        let _ = self.child.wait();
    }
}

/// With authentication on, makes the first three calls unauthenticated (a
/// user, its policy, its key) and then the bucket, with the key; prints the
/// key. Without, makes the bucket and prints the key given.
const SETUP: &str = r#"
import boto3, json, sys
endpoint, auth = sys.argv[1], sys.argv[2] == "auth"
iam = boto3.client("iam", endpoint_url=endpoint, region_name="us-east-1",
                   aws_access_key_id="setup", aws_secret_access_key="setup")
if not auth:
    boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1", aws_access_key_id="ci",
                 aws_secret_access_key="ci-secret").create_bucket(Bucket="runs")
    print("ci ci-secret")
    sys.exit(0)
iam.create_user(UserName="ci")
iam.put_user_policy(UserName="ci", PolicyName="all", PolicyDocument=json.dumps(
    {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}))
key = iam.create_access_key(UserName="ci")["AccessKey"]
s3 = boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1",
                  aws_access_key_id=key["AccessKeyId"], aws_secret_access_key=key["SecretAccessKey"])
s3.create_bucket(Bucket="runs")
print(key["AccessKeyId"], key["SecretAccessKey"])
"#;

/// A moto server on a free port, with authentication on if `auth`, set up
/// with the bucket `runs`; its key id and secret.
fn start_moto(auth: bool) -> Option<(Moto, String, String)> {
    let installed = Command::new("python3").args(["-c", "import moto.server, boto3"]).output();
    if !installed.is_ok_and(|o| o.status.success()) {
        let why = "moto is not installed (pip install 'moto[server]')";
        assert!(std::env::var_os("CI").is_none(), "CI is set, but {why}: .ci/run installs it");
        eprintln!("\n*** NOT RUN: {why} ***\n");
        return None;
    }
    let port = TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let mut server = Command::new("python3");
    server
        .args(["-m", "moto.server", "-H", "127.0.0.1", "-p", &port.to_string()])
        .env_remove("INITIAL_NO_AUTH_ACTION_COUNT");
    if auth {
        server.env("INITIAL_NO_AUTH_ACTION_COUNT", "3");
    }
    let child = server.stdout(Stdio::null()).stderr(Stdio::null()).process_group(0).spawn().expect("moto starts");
    let moto = Moto { child, endpoint: format!("http://127.0.0.1:{port}") };
    let deadline = Instant::now() + Duration::from_secs(60);
    while TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(Instant::now() < deadline, "moto did not listen on 127.0.0.1:{port} within 60 s");
        std::thread::sleep(Duration::from_millis(100));
    }
    let mode = if auth { "auth" } else { "open" };
    let setup = Command::new("python3").args(["-c", SETUP, &moto.endpoint, mode]).output().unwrap();
    assert!(setup.status.success(), "{}", String::from_utf8_lossy(&setup.stderr));
    let key = String::from_utf8(setup.stdout).unwrap();
    let (id, secret) = key.trim().split_once(' ').unwrap();
    let (id, secret) = (id.to_string(), secret.to_string());
    Some((moto, id, secret))
}

/// `wl1 ARGS` with `credentials` and the endpoint, and no other AWS_ variable.
fn wl1(args: &[&str], moto: &Moto, credentials: (&str, &str)) -> Output {
    let mut command = Command::new(support::binary());
    for (key, _) in std::env::vars().filter(|(k, _)| k.starts_with("AWS_")) {
        command.env_remove(key);
    }
    command
        .args(args)
        .env("AWS_ACCESS_KEY_ID", credentials.0)
        .env("AWS_SECRET_ACCESS_KEY", credentials.1)
        .env("AWS_ENDPOINT_URL", &moto.endpoint)
        .env("AWS_REGION", "us-east-1")
        .env("AWS_ALLOW_HTTP", "true");
    command.output().expect("wl1 runs")
}

fn said(out: &Output, needle: &str) -> bool {
    support::said(&String::from_utf8_lossy(&out.stderr), needle)
}

fn json(out: &Output, dir: &Path) -> Value {
    let text = String::from_utf8_lossy(&out.stdout).replace(dir.to_str().unwrap(), "DIR");
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{e}: {text}\n{}", String::from_utf8_lossy(&out.stderr)))
}

#[test]
fn shards_summarized_into_s3_merge_once_and_refuse_other_bytes_and_bad_credentials() {
    let Some((moto, id, secret)) = start_moto(false) else { return };
    let creds = (id.as_str(), secret.as_str());
    let root = tempfile::tempdir().unwrap();

    let whole = root.path().join("whole");
    let simulate = ["simulate", "--scenario", "chaos", "--runs", "240", "--runs-per-file", "30", "--quiet", "--out"];
    assert!(wl1(&[&simulate[..], &[whole.join("traces").to_str().unwrap()]].concat(), &moto, creds).status.success());
    let analyze = ["analyze", "--format", "json", "--max-seeds", "20"];
    let out = wl1(&[&analyze[..], &[whole.join("traces").to_str().unwrap()]].concat(), &moto, creds);
    let unsharded = json(&out, &whole);

    let shards = root.path().join("shards");
    let traces = shards.join("traces");
    let check = |i: u64, prefix: &str, runs: &str, creds| {
        let (shard, url) = (format!("{i}/4"), format!("s3://runs/{prefix}/shard-{i}.json"));
        let args = ["check", "--scenario", "chaos", "--runs", runs, "--runs-per-file", "30", "--shard", &shard];
        let export = format!("s3://runs/export/shard-{i}");
        let more = ["--out", traces.to_str().unwrap(), "--summary", &url, "--export", &export];
        wl1(&[&args[..], &more[..]].concat(), &moto, creds)
    };
    for i in 0..4 {
        let out = check(i, "chaos", "240", creds);
        assert_eq!(out.status.code(), Some(1), "shard {i}: {}", String::from_utf8_lossy(&out.stderr));
        assert!(said(&out, &format!("summarized s3://runs/chaos/shard-{i}.json")));
        assert!(said(&out, &format!("exported s3://runs/export/shard-{i}/runs.parquet")));
    }
    let merge =
        |prefix: &str, shards: &str, creds| wl1(&[&analyze[..], &[prefix, "--shards", shards]].concat(), &moto, creds);
    let out = merge("s3://runs/chaos/", "4", creds);
    assert_eq!(out.status.code(), Some(1), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(json(&out, &shards), unsharded, "four shards merged from S3 report as one run does");

    let retried = check(2, "chaos", "240", creds);
    assert_eq!(retried.status.code(), Some(1), "a retry with the same bytes succeeds");
    assert!(said(&retried, "s3://runs/chaos/shard-2.json already holds this very summary (a retry)"));
    let other = check(2, "chaos", "200", creds);
    assert_eq!(other.status.code(), Some(2), "{}", String::from_utf8_lossy(&other.stderr));
    assert!(said(&other, "s3://runs/chaos/shard-2.json: already holds other bytes"));
    assert_eq!(json(&merge("s3://runs/chaos/", "4", creds), &shards), unsharded, "the refused write changed nothing");

    for i in [0, 1, 3] {
        assert_eq!(check(i, "three", "240", creds).status.code(), Some(1));
    }
    let out = merge("s3://runs/three", "4", creds);
    assert_eq!(out.status.code(), Some(2));
    assert!(said(&out, "1 of the 4 shards are missing (no summary names them): shard 2"));

    // Credentials, on a server that checks them.
    let (guarded, id, secret) = start_moto(true).expect("moto ran above");
    let shard_summary = root.path().join("local-shard.json");
    let local = ["analyze", traces.to_str().unwrap(), "--quiet", "--summary", shard_summary.to_str().unwrap()];
    assert_eq!(wl1(&local, &moto, creds).status.code(), Some(1));
    let write = |creds: (&str, &str)| {
        let args = ["analyze", shard_summary.to_str().unwrap(), "--summary", "s3://runs/guarded/shard-0.json"];
        wl1(&args, &guarded, creds)
    };
    let good = write((&id, &secret));
    assert_eq!(good.status.code(), Some(1), "the right key writes: {}", String::from_utf8_lossy(&good.stderr));
    assert!(said(&good, "summarized s3://runs/guarded/shard-0.json"));
    let list = |creds| wl1(&["analyze", "s3://runs/guarded/"], &guarded, creds);
    let wrong = (id.as_str(), "not-the-secret-key");
    for out in [write(wrong), list(wrong), write(("AKIANOBODY", "nothing")), list(("AKIANOBODY", "nothing"))] {
        assert_eq!(out.status.code(), Some(2), "{}", String::from_utf8_lossy(&out.stderr));
        assert!(said(&out, "the storage refused the credentials"), "{}", String::from_utf8_lossy(&out.stderr));
        let all = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
        assert!(!all.contains("not-the-secret-key") && !all.contains(&secret), "a secret shown: {all}");
    }
}
