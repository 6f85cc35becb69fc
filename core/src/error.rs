//! The error type of strom-core, and the `Result` alias used across the workspace.

/// `Result` with strom-core's [`enum@Error`] as the default error.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Everything that can go wrong below the user API. Variants say whose fault it is.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A configuration value is missing, malformed or inconsistent (the user's fault).
    #[error("invalid configuration: {0}")]
    Config(String),
    /// A job plan is invalid (the user's fault), e.g. an unsupported URL scheme.
    #[error("invalid plan: {0}")]
    Plan(String),
    /// Input data does not match what was asked for: names the file and the row or line.
    #[error("{location}: {message}")]
    Format {
        /// Where the bad data is: `file`, `file:line N` or `file: row N, column C`.
        location: String,
        /// What is wrong with it.
        message: String,
    },
    /// Reading or writing through object_store failed.
    #[error("storage error at {url}: {source}")]
    Storage {
        /// The URL that was being accessed.
        url: String,
        /// The underlying error.
        #[source]
        source: object_store::Error,
    },
    /// A local I/O error at a path or URL.
    #[error("{path}: {source}")]
    Path {
        /// The file or folder that was being accessed.
        path: String,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },
    /// A local I/O error.
    #[error(transparent)]
    Io(#[from] std::io::Error),
    /// The job failed on another worker or process; the message is that worker's error.
    #[error("job failed: {0}")]
    Job(String),
    /// A bug in Strom.
    #[error("internal error: {0} (this is a bug)")]
    Internal(String),
}

impl Error {
    /// A [`Error::Format`] error at `location`.
    pub fn format(location: impl Into<String>, message: impl std::fmt::Display) -> Self {
        Error::Format {
            location: location.into(),
            message: message.to_string(),
        }
    }

    /// Whether the error says a file or object does not exist.
    pub fn is_not_found(&self) -> bool {
        match self {
            Error::Storage { source, .. } => matches!(source, object_store::Error::NotFound { .. }),
            Error::Io(e) | Error::Path { source: e, .. } => {
                e.kind() == std::io::ErrorKind::NotFound
            }
            _ => false,
        }
    }

    /// A [`Error::Path`] error: `source` met at `path` (a local path or URL).
    pub fn path(path: impl std::fmt::Display, source: std::io::Error) -> Self {
        Error::Path {
            path: path.to_string(),
            source,
        }
    }

    /// A [`Error::Storage`] error for `url`.
    pub fn storage(url: impl Into<String>, source: object_store::Error) -> Self {
        Error::Storage {
            url: url.into(),
            source,
        }
    }
}
