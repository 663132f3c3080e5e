//! Placeholder for the f32 slice fast path (filled in below).
