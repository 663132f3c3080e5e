//! Number formats: exact encode/decode, rounding and format facts. Pure: no web dependencies.
