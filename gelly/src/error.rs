//! The library's error type: what a caller got wrong (a generator's parameters, an
//! algorithm's options).

/// The result of a fallible call of this library.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// What went wrong.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A parameter out of its range, named with its constraint (the caller's fault).
    #[error("invalid parameter `{name}`: {reason}")]
    Parameter {
        /// The parameter's name.
        name: &'static str,
        /// What is wrong with it.
        reason: String,
    },
}

/// Fails with [`Error::Parameter`] unless `ok`.
pub(crate) fn check(ok: bool, name: &'static str, reason: impl FnOnce() -> String) -> Result<()> {
    if ok {
        Ok(())
    } else {
        Err(Error::Parameter {
            name,
            reason: reason(),
        })
    }
}
