//! Native tests of `precision_lab::memory`.
