//! The toy mixed-precision trainer. Pure outside `train::gpu`: no web dependencies.
