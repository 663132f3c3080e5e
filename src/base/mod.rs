//! The crate's shared foundations, used by every layer and depending on none: deterministic
//! elementary functions ([`detmath`]), the seeded random generator ([`rng`]) and the overflow
//! rule every rounding follows ([`Overflow`]). They live here,
//! not in a feature module, because the format engine (stochastic rounding), the plots (seeded
//! samples, logarithms of values) and the trainer all need the same bits on every machine.

pub mod detmath;
mod overflow;
pub mod rng;

pub use overflow::Overflow;
pub use rng::SplitMix64;
