//! Native tests of `precision_lab::formats`.
