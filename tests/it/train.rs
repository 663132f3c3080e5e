//! Native tests of `precision_lab::train`.
