//! OCP Microscaling (MX) block quantization (filled in below).
