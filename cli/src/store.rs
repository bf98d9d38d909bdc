//! Where summaries and exported tables come from and go to besides local
//! paths: object storage (`s3://`, `gs://`, `az://`, `file://` URLs), with
//! the `object_store` crate on a current-thread tokio runtime made for each
//! call. Writes are create-only, so that a retried shard cannot be counted
//! twice: a retry that writes identical bytes succeeds, different bytes are
//! an error. Credentials come from the usual environment variables
//! (`AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`, `AWS_ENDPOINT_URL`,
//! `AWS_REGION`, `AWS_ALLOW_HTTP`; `GOOGLE_*`; `AZURE_*`) and are never
//! shown: messages name the URL only.

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use futures_util::TryStreamExt;
use object_store::path::Path as ObjectPath;
use object_store::{
    BackoffConfig, ObjectStore, ObjectStoreExt, ObjectStoreScheme, PutMode, PutOptions, PutPayload, RetryConfig,
};

/// The URL schemes taken as object storage.
const SCHEMES: [&str; 6] = ["s3://", "s3a://", "gs://", "az://", "abfs://", "file://"];

/// Whether `place` names object storage rather than a local path.
pub fn is_url(place: &str) -> bool {
    SCHEMES.iter().any(|s| place.starts_with(s))
}

/// A place in object storage: the store, and the path in it.
pub struct Remote {
    /// The URL as given, to name the place in messages.
    pub url: String,
    store: Arc<dyn ObjectStore>,
    path: ObjectPath,
}

/// What a create-only write found.
#[derive(Debug, PartialEq, Eq)]
pub enum Written {
    Created,
    /// The object was there already with the same bytes: a retry.
    AlreadyThere,
}

impl Remote {
    /// The store and path of `url`, configured from the environment.
    pub fn open(url: &str) -> Result<Remote, String> {
        let parsed = url::Url::parse(url).map_err(|e| format!("{url}: not a URL: {e}"))?;
        let (scheme, path) = ObjectStoreScheme::parse(&parsed).map_err(|e| format!("{url}: {e}"))?;
        let store: Arc<dyn ObjectStore> = match scheme {
            ObjectStoreScheme::Local => Arc::new(object_store::local::LocalFileSystem::new()),
            ObjectStoreScheme::AmazonS3 => Arc::new(
                object_store::aws::AmazonS3Builder::from_env()
                    .with_url(url)
                    .with_retry(retry())
                    .build()
                    .map_err(|e| configuration(url, &e))?,
            ),
            ObjectStoreScheme::GoogleCloudStorage => Arc::new(
                object_store::gcp::GoogleCloudStorageBuilder::from_env()
                    .with_url(url)
                    .with_retry(retry())
                    .build()
                    .map_err(|e| configuration(url, &e))?,
            ),
            ObjectStoreScheme::MicrosoftAzure => Arc::new(
                object_store::azure::MicrosoftAzureBuilder::from_env()
                    .with_url(url)
                    .with_retry(retry())
                    .build()
                    .map_err(|e| configuration(url, &e))?,
            ),
            _ => return Err(format!("{url}: not a storage this wl1 writes to (s3://, gs://, az://, file://)")),
        };
        Ok(Remote::new(url, store, path))
    }

    /// `path` in `store`, named `url` in messages.
    pub fn new(url: &str, store: Arc<dyn ObjectStore>, path: ObjectPath) -> Remote {
        Remote { url: url.to_string(), store, path }
    }

    /// The same store at `name` under this place (a folder).
    pub fn child(&self, name: &str) -> Remote {
        let url = format!("{}/{name}", self.url.trim_end_matches('/'));
        let path =
            name.split('/').filter(|part| !part.is_empty()).fold(self.path.clone(), |path, part| path.join(part));
        Remote { url, store: self.store.clone(), path }
    }

    /// Writes `bytes` unless the object exists: then it must hold these
    /// very bytes (a retry), else the write is refused.
    pub fn create(&self, bytes: &[u8]) -> Result<Written, String> {
        let options = PutOptions { mode: PutMode::Create, ..PutOptions::default() };
        let payload = PutPayload::from(bytes.to_vec());
        match block_on(self.store.put_opts(&self.path, payload, options)) {
            Ok(_) => Ok(Written::Created),
            Err(object_store::Error::AlreadyExists { .. }) => {
                let there = block_on(async { self.store.get(&self.path).await?.bytes().await })
                    .map_err(|e| self.error("cannot read back the object already there", &e))?;
                if there.as_ref() == bytes {
                    Ok(Written::AlreadyThere)
                } else {
                    Err(format!(
                        "{}: already holds other bytes ({} there, {} to write); an object is written once, so \
                         that a retried shard is never counted twice: remove it first to replace it",
                        self.url,
                        there.len(),
                        bytes.len()
                    ))
                }
            }
            Err(e) => Err(self.error("cannot write", &e)),
        }
    }

    /// Every object under this place (a prefix) whose name ends with
    /// `.json`, in order of name, with its bytes or why they could not be
    /// read.
    pub fn read_all_json(&self) -> Result<Vec<wl1_analysis::Fetched>, String> {
        let listed: Vec<object_store::ObjectMeta> =
            block_on(self.store.list(Some(&self.path)).try_collect()).map_err(|e| self.error("cannot list", &e))?;
        let mut names: Vec<ObjectPath> =
            listed.into_iter().map(|m| m.location).filter(|p| p.as_ref().ends_with(".json")).collect();
        names.sort();
        let base = self.url_base();
        let read = names.into_iter().map(|name| {
            let url = format!("{base}{name}");
            let bytes = block_on(async { self.store.get(&name).await?.bytes().await })
                .map(|b| b.to_vec())
                .map_err(|e| describe(&url, "cannot read", &e));
            (url, bytes)
        });
        Ok(read.collect())
    }

    /// The URL up to the store's root: `s3://bucket/`.
    fn url_base(&self) -> String {
        let given = self.url.trim_end_matches('/');
        let root = given.strip_suffix(self.path.as_ref()).unwrap_or(given);
        if root.ends_with('/') { root.to_string() } else { format!("{root}/") }
    }

    fn error(&self, what: &str, e: &object_store::Error) -> String {
        describe(&self.url, what, e)
    }
}

/// A few retries, within a minute: a batch job should fail, not hang.
fn retry() -> RetryConfig {
    RetryConfig { backoff: BackoffConfig::default(), max_retries: 3, retry_timeout: Duration::from_secs(60) }
}

fn configuration(url: &str, e: &object_store::Error) -> String {
    format!("{url}: cannot set up the storage from the environment: {}", one_line(e))
}

/// An error of the store, said for a person: refused credentials said as
/// such, with the variables to check.
fn describe(url: &str, what: &str, e: &object_store::Error) -> String {
    use object_store::Error::{NotFound, PermissionDenied, Unauthenticated};
    let denied = matches!(e, PermissionDenied { .. } | Unauthenticated { .. });
    let text = one_line(e);
    let refused =
        denied || ["InvalidAccessKeyId", "SignatureDoesNotMatch", "AccessDenied"].iter().any(|c| text.contains(c));
    if refused {
        return format!(
            "{url}: {what}: the storage refused the credentials (check AWS_ACCESS_KEY_ID and \
             AWS_SECRET_ACCESS_KEY, or GOOGLE_* and AZURE_* for gs:// and az://): {text}"
        );
    }
    match e {
        NotFound { .. } => format!("{url}: {what}: not found"),
        _ => format!("{url}: {what}: {text}"),
    }
}

/// The error and its causes on one line.
fn one_line(e: &dyn std::error::Error) -> String {
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(cause) = source {
        let more = cause.to_string();
        if !text.contains(&more) {
            text += &format!(": {more}");
        }
        source = cause.source();
    }
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Runs `future` to its end on a current-thread runtime.
fn block_on<F: Future>(future: F) -> F::Output {
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build();
    runtime.expect("a current-thread runtime needs no threads to start").block_on(future)
}

#[cfg(test)]
mod tests {
    use object_store::memory::InMemory;

    use super::*;

    fn in_memory(prefix: &str) -> Remote {
        Remote::new(&format!("memory:///{prefix}"), Arc::new(InMemory::new()), ObjectPath::from(prefix))
    }

    #[test]
    fn a_write_is_created_once_and_a_retry_with_the_same_bytes_succeeds() {
        let place = in_memory("runs").child("shard-1.json");
        assert_eq!(place.create(b"{\"a\":1}").unwrap(), Written::Created);
        assert_eq!(place.create(b"{\"a\":1}").unwrap(), Written::AlreadyThere);
        let refused = place.create(b"{\"a\":2}").unwrap_err();
        assert!(refused.contains("already holds other bytes") && refused.contains("shard-1.json"), "{refused}");
    }

    #[test]
    fn every_json_object_under_a_prefix_is_read_in_order() {
        let root = in_memory("runs");
        for name in ["shard-2.json", "shard-0.json", "notes.txt", "deeper/shard-1.json"] {
            root.child(name).create(name.as_bytes()).unwrap();
        }
        let other = Remote { path: ObjectPath::from("other/shard-9.json"), ..root.child("x") };
        other.create(b"not under the prefix").unwrap();
        let read = root.read_all_json().unwrap();
        let names: Vec<&str> = read.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(
            names,
            ["memory:///runs/deeper/shard-1.json", "memory:///runs/shard-0.json", "memory:///runs/shard-2.json"]
        );
        assert_eq!(read[1].1.as_deref().unwrap(), b"shard-0.json");
    }

    #[test]
    fn the_local_backend_is_create_only_too() {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("file://{}", dir.path().display());
        let root = Remote::open(&url).unwrap();
        let shard = root.child("shard-0.json");
        assert_eq!(shard.create(b"{}").unwrap(), Written::Created);
        assert_eq!(std::fs::read(dir.path().join("shard-0.json")).unwrap(), b"{}");
        assert_eq!(shard.create(b"{}").unwrap(), Written::AlreadyThere);
        assert!(shard.create(b"{ }").unwrap_err().contains("already holds other bytes"));
        let read = root.read_all_json().unwrap();
        assert_eq!(read.len(), 1);
        assert_eq!(read[0].0, format!("{url}/shard-0.json"));
    }
}
