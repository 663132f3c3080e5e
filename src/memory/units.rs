//! Byte counts and how they are written for people. This module owns [`Bytes`] (an exact `u128`
//! count), decimal GB (10^9) and binary GiB (2^30) renderings computed with integer arithmetic,
//! thousands separators, and the [`UnitLead`] toggle. It does not decide what is counted.

use core::fmt;

/// One decimal gigabyte, 10^9 bytes.
pub const GB: u128 = 1_000_000_000;
/// One binary gibibyte, 2^30 bytes.
pub const GIB: u128 = 1 << 30;
/// One mebibyte, 2^20 bytes (the unit `nvidia-smi` prints).
pub const MIB: u128 = 1 << 20;

/// An exact number of bytes.
///
/// `u128` leaves headroom far above anything the model produces (inputs are capped well below
/// the point where a product could overflow), and every operation that could still overflow is
/// checked and turned into an error by the caller.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Bytes(pub u128);

/// Which unit is written first; the other one always follows, so nothing is ambiguous.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum UnitLead {
    /// Decimal gigabytes (10^9 bytes) first, as vendors and the ZeRO paper count.
    #[default]
    Gb,
    /// Binary gibibytes (2^30 bytes) first, as `nvidia-smi`, PyTorch and most tools count.
    Gib,
}

impl UnitLead {
    /// The id used in the URL query (`unit=gb`, `unit=gib`).
    pub fn id(self) -> &'static str {
        match self {
            UnitLead::Gb => "gb",
            UnitLead::Gib => "gib",
        }
    }

    /// Parses a URL id.
    pub fn from_id(id: &str) -> Option<Self> {
        match id {
            "gb" => Some(UnitLead::Gb),
            "gib" => Some(UnitLead::Gib),
            _ => None,
        }
    }
}

impl Bytes {
    /// Zero bytes.
    pub const ZERO: Bytes = Bytes(0);

    /// The exact count.
    pub fn get(self) -> u128 {
        self.0
    }

    /// `self + other`, or `None` on overflow.
    pub fn checked_add(self, other: Bytes) -> Option<Bytes> {
        self.0.checked_add(other.0).map(Bytes)
    }

    /// `self * factor`, or `None` on overflow.
    pub fn checked_mul(self, factor: u128) -> Option<Bytes> {
        self.0.checked_mul(factor).map(Bytes)
    }

    /// The share of one of `parts` devices, rounded up (a device holds whole bytes).
    pub fn div_ceil(self, parts: u128) -> Bytes {
        Bytes(div_ceil(self.0, parts.max(1)))
    }

    /// Decimal gigabytes as an `f64`, for plotting only; text uses [`Bytes::gb`].
    pub fn gb_f64(self) -> f64 {
        self.0 as f64 / GB as f64
    }

    /// Binary gibibytes as an `f64`, for plotting only; text uses [`Bytes::gib`].
    pub fn gib_f64(self) -> f64 {
        self.0 as f64 / GIB as f64
    }

    /// "145.41 GB": decimal gigabytes, two decimals, rounded half up from the exact count.
    pub fn gb(self) -> String {
        format!("{} GB", decimal(self.0, GB, 2))
    }

    /// "135.43 GiB": binary gibibytes, two decimals, rounded half up from the exact count.
    pub fn gib(self) -> String {
        format!("{} GiB", decimal(self.0, GIB, 2))
    }

    /// Both units, the lead one first: "145.41 GB = 135.43 GiB".
    pub fn both(self, lead: UnitLead) -> String {
        match lead {
            UnitLead::Gb => format!("{} = {}", self.gb(), self.gib()),
            UnitLead::Gib => format!("{} = {}", self.gib(), self.gb()),
        }
    }

    /// The lead unit only.
    pub fn lead(self, lead: UnitLead) -> String {
        match lead {
            UnitLead::Gb => self.gb(),
            UnitLead::Gib => self.gib(),
        }
    }
}

impl fmt::Display for Bytes {
    /// The exact count with thousands separators and the word "bytes".
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} bytes", group_thousands(self.0))
    }
}

/// Bytes in GB (10^9) or GiB (2^30), exact and rounded half up, with two decimals or as many
/// more as it takes to show three significant digits: "145.41 GB", "0.000608 GB" (608,256 bytes,
/// which two decimals would call "0.00 GB").
pub fn amount(bytes: Bytes, binary: bool) -> String {
    let (unit, name) = if binary { (GIB, "GiB") } else { (GB, "GB") };
    let n = bytes.get();
    let mut places = 2;
    while n > 0 && places < 12 && n.saturating_mul(10u128.pow(places)) < 100 * unit {
        places += 1;
    }
    format!("{} {name}", decimal(n, unit, places))
}

/// `ceil(a / b)` for `b > 0`, without the overflow of `(a + b - 1) / b`.
pub fn div_ceil(a: u128, b: u128) -> u128 {
    a / b + u128::from(!a.is_multiple_of(b))
}

/// Writes `n` with a comma every three digits: 72706203648 -> "72,706,203,648".
pub fn group_thousands(n: u128) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// `numerator / denominator` with `places` decimals, rounded half up, in exact integer arithmetic
/// (so 145,412,407,296 / 2^30 prints 135.43, never a float artefact). Thousands are grouped.
pub fn decimal(numerator: u128, denominator: u128, places: u32) -> String {
    let denominator = denominator.max(1);
    let scale = 10u128.pow(places);
    let whole = numerator / denominator;
    let remainder = numerator % denominator;
    // remainder < denominator <= 2^64 in every use here, so remainder * scale * 2 fits in u128.
    let scaled = remainder.saturating_mul(scale);
    let mut fraction = scaled / denominator;
    let rest = scaled % denominator;
    let mut whole = whole;
    if rest.saturating_mul(2) >= denominator {
        fraction += 1;
        if fraction == scale {
            fraction = 0;
            whole += 1;
        }
    }
    if places == 0 {
        group_thousands(whole)
    } else {
        format!(
            "{}.{:0width$}",
            group_thousands(whole),
            fraction,
            width = places as usize
        )
    }
}
