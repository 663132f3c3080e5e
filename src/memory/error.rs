//! The one error type of the budget model. This module owns [`MemoryError`]: every way a set of
//! inputs can fail to produce a budget, each naming the input (by its URL key) so a view can show
//! the message inline next to it. It does not parse anything itself.

use core::fmt;

use super::arch::ArchError;
use super::dtype::GroupError;
use super::params::ParamParseError;

/// Why a budget could not be computed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum MemoryError {
    /// A number outside what the model accepts.
    OutOfRange {
        field: &'static str,
        label: &'static str,
        value: u64,
        min: u64,
        max: u64,
    },
    /// Something that needs the model's shapes was asked of a bare parameter count.
    NeedsArchitecture {
        field: &'static str,
        what: &'static str,
    },
    /// A parallel layout that does not divide evenly.
    NotDivisible {
        field: &'static str,
        message: String,
    },
    /// A context longer than a learned position table.
    ContextTooLong {
        field: &'static str,
        context: u64,
        max: u64,
    },
    /// A parameter count that did not parse.
    Params(ParamParseError),
    /// An architecture that did not check out.
    Architecture(ArchError),
    /// A group size that is not offered.
    Group(GroupError),
    /// A byte count that would not fit in 128 bits (not reachable with the input caps; kept so no
    /// product can ever wrap silently).
    Overflow { what: &'static str },
}

impl MemoryError {
    /// The URL key of the input to show this message next to.
    pub fn field(&self) -> &'static str {
        match self {
            MemoryError::OutOfRange { field, .. }
            | MemoryError::NeedsArchitecture { field, .. }
            | MemoryError::NotDivisible { field, .. }
            | MemoryError::ContextTooLong { field, .. } => field,
            MemoryError::Params(_) => "params",
            MemoryError::Architecture(_) => "model",
            MemoryError::Group(_) => "group",
            MemoryError::Overflow { .. } => "model",
        }
    }
}

impl fmt::Display for MemoryError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            MemoryError::OutOfRange {
                label,
                value,
                min,
                max,
                ..
            } => write!(f, "{label} must be between {min} and {max}; got {value}."),
            MemoryError::NeedsArchitecture { what, .. } => write!(
                f,
                "{what} depends on the model's shapes; choose a preset or enter an architecture \
                 instead of a bare parameter count."
            ),
            MemoryError::NotDivisible { message, .. } => f.write_str(message),
            MemoryError::ContextTooLong { context, max, .. } => write!(
                f,
                "A context of {context} tokens is longer than the model's {max} learned positions."
            ),
            MemoryError::Params(e) => e.fmt(f),
            MemoryError::Architecture(e) => e.fmt(f),
            MemoryError::Group(e) => e.fmt(f),
            MemoryError::Overflow { what } => write!(
                f,
                "The {what} would exceed 2^128 bytes; these inputs are beyond anything buildable."
            ),
        }
    }
}

impl std::error::Error for MemoryError {}

impl From<ParamParseError> for MemoryError {
    fn from(e: ParamParseError) -> Self {
        MemoryError::Params(e)
    }
}

impl From<ArchError> for MemoryError {
    fn from(e: ArchError) -> Self {
        MemoryError::Architecture(e)
    }
}

impl From<GroupError> for MemoryError {
    fn from(e: GroupError) -> Self {
        MemoryError::Group(e)
    }
}
