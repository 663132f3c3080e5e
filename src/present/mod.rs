//! View models: what each view shows, computed from its URL state, as plain data and text.
//!
//! Pure (no web dependencies, natively tested): a view's component reads its state from the URL
//! through this module, asks it for every readout, and only renders. This module owns wording and
//! number formatting for display; the numbers themselves come from `formats`, `memory` and
//! `train`, which know nothing of views.

pub mod formats;
pub mod learn;
pub mod memory;
pub mod number;
pub mod plots;
pub mod tensor;
pub mod train;
pub mod widgets;
