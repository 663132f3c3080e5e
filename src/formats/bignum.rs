//! A minimal unsigned big integer, just enough for exact decimal work: turning a dyadic value into all of
//! its decimal digits, and rounding a decimal string or a fraction into a format without passing through
//! `f64`. It owns no rounding policy and knows nothing about formats; sizes stay small because the
//! callers cap digit counts and exponents before they get here.

use std::cmp::Ordering;

/// Little-endian base-2^32 limbs with no trailing zero limbs (zero is the empty vector).
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub(crate) struct BigUint {
    limbs: Vec<u32>,
}

impl BigUint {
    pub(crate) fn zero() -> Self {
        Self { limbs: Vec::new() }
    }

    pub(crate) fn from_u64(value: u64) -> Self {
        let mut out = Self {
            limbs: vec![value as u32, (value >> 32) as u32],
        };
        out.trim();
        out
    }

    fn trim(&mut self) {
        while self.limbs.last() == Some(&0) {
            self.limbs.pop();
        }
    }

    pub(crate) fn is_zero(&self) -> bool {
        self.limbs.is_empty()
    }

    /// Number of significant bits (0 for zero).
    pub(crate) fn bit_len(&self) -> u64 {
        match self.limbs.last() {
            None => 0,
            Some(&top) => 32 * (self.limbs.len() as u64 - 1) + (32 - top.leading_zeros()) as u64,
        }
    }

    /// The low 64 bits.
    #[cfg(test)]
    pub(crate) fn low_u64(&self) -> u64 {
        let lo = self.limbs.first().copied().unwrap_or(0) as u64;
        let hi = self.limbs.get(1).copied().unwrap_or(0) as u64;
        lo | (hi << 32)
    }

    pub(crate) fn mul_small(&mut self, factor: u32) {
        let mut carry = 0u64;
        for limb in &mut self.limbs {
            let product = *limb as u64 * factor as u64 + carry;
            *limb = product as u32;
            carry = product >> 32;
        }
        if carry != 0 {
            self.limbs.push(carry as u32);
        }
        self.trim();
    }

    pub(crate) fn add_small(&mut self, addend: u32) {
        let mut carry = addend as u64;
        for limb in &mut self.limbs {
            if carry == 0 {
                break;
            }
            let sum = *limb as u64 + carry;
            *limb = sum as u32;
            carry = sum >> 32;
        }
        if carry != 0 {
            self.limbs.push(carry as u32);
        }
    }

    pub(crate) fn mul(&self, other: &Self) -> Self {
        if self.is_zero() || other.is_zero() {
            return Self::zero();
        }
        let mut limbs = vec![0u32; self.limbs.len() + other.limbs.len()];
        for (i, &a) in self.limbs.iter().enumerate() {
            let mut carry = 0u64;
            for (j, &b) in other.limbs.iter().enumerate() {
                let t = limbs[i + j] as u64 + a as u64 * b as u64 + carry;
                limbs[i + j] = t as u32;
                carry = t >> 32;
            }
            let mut k = i + other.limbs.len();
            while carry != 0 {
                let t = limbs[k] as u64 + carry;
                limbs[k] = t as u32;
                carry = t >> 32;
                k += 1;
            }
        }
        let mut out = Self { limbs };
        out.trim();
        out
    }

    pub(crate) fn shl(&self, bits: u64) -> Self {
        if self.is_zero() {
            return Self::zero();
        }
        let whole = (bits / 32) as usize;
        let part = (bits % 32) as u32;
        let mut limbs = vec![0u32; whole];
        if part == 0 {
            limbs.extend_from_slice(&self.limbs);
        } else {
            let mut carry = 0u32;
            for &limb in &self.limbs {
                limbs.push((limb << part) | carry);
                carry = limb >> (32 - part);
            }
            if carry != 0 {
                limbs.push(carry);
            }
        }
        Self { limbs }
    }

    pub(crate) fn add(&self, other: &Self) -> Self {
        let len = self.limbs.len().max(other.limbs.len());
        let mut limbs = Vec::with_capacity(len + 1);
        let mut carry = 0u64;
        for i in 0..len {
            let a = self.limbs.get(i).copied().unwrap_or(0) as u64;
            let b = other.limbs.get(i).copied().unwrap_or(0) as u64;
            let sum = a + b + carry;
            limbs.push(sum as u32);
            carry = sum >> 32;
        }
        if carry != 0 {
            limbs.push(carry as u32);
        }
        Self { limbs }
    }

    /// `self - other`; the caller guarantees `self >= other`.
    pub(crate) fn sub(&self, other: &Self) -> Self {
        debug_assert!(*self >= *other, "BigUint::sub would go negative");
        let mut limbs = Vec::with_capacity(self.limbs.len());
        let mut borrow = 0i64;
        for i in 0..self.limbs.len() {
            let a = self.limbs[i] as i64;
            let b = other.limbs.get(i).copied().unwrap_or(0) as i64;
            let mut diff = a - b - borrow;
            borrow = 0;
            if diff < 0 {
                diff += 1 << 32;
                borrow = 1;
            }
            limbs.push(diff as u32);
        }
        let mut out = Self { limbs };
        out.trim();
        out
    }

    /// Quotient and remainder of `self / divisor` when the caller knows the quotient is below
    /// `2^quotient_bits` (at most 64): schoolbook binary long division, which is all the rounding needs.
    pub(crate) fn div_rem_small_quotient(&self, divisor: &Self, quotient_bits: u32) -> (u64, Self) {
        debug_assert!(!divisor.is_zero() && quotient_bits <= 64);
        let mut rest = self.clone();
        let mut quotient = 0u64;
        for bit in (0..quotient_bits).rev() {
            let shifted = divisor.shl(bit as u64);
            if rest >= shifted {
                rest = rest.sub(&shifted);
                quotient |= 1u64 << bit;
            }
        }
        (quotient, rest)
    }

    /// Divides in place by a small divisor and returns the remainder.
    fn div_rem_u32(&mut self, divisor: u32) -> u32 {
        let mut rem = 0u64;
        for limb in self.limbs.iter_mut().rev() {
            let cur = (rem << 32) | *limb as u64;
            *limb = (cur / divisor as u64) as u32;
            rem = cur % divisor as u64;
        }
        self.trim();
        rem as u32
    }

    /// Decimal digits, most significant first ("0" for zero).
    pub(crate) fn to_decimal(&self) -> String {
        if self.is_zero() {
            return "0".to_string();
        }
        let mut chunks = Vec::new();
        let mut n = self.clone();
        while !n.is_zero() {
            chunks.push(n.div_rem_u32(1_000_000_000));
        }
        let mut out = String::with_capacity(chunks.len() * 9);
        for (i, chunk) in chunks.iter().rev().enumerate() {
            if i == 0 {
                out.push_str(&chunk.to_string());
            } else {
                out.push_str(&format!("{chunk:09}"));
            }
        }
        out
    }

    /// Parses ASCII decimal digits (the caller has checked them).
    pub(crate) fn from_decimal_digits(digits: &[u8]) -> Self {
        let mut out = Self::zero();
        for chunk in digits.chunks(9) {
            let mut value = 0u32;
            for &d in chunk {
                value = value * 10 + (d - b'0') as u32;
            }
            out.mul_small(10u32.pow(chunk.len() as u32));
            out.add_small(value);
        }
        out
    }

    pub(crate) fn pow(base: u32, exponent: u32) -> Self {
        // As many factors at a time as fit in 32 bits (13 fives), not one.
        let (mut chunk, mut per_chunk) = (base, 1);
        while base > 1 && chunk.checked_mul(base).is_some() {
            chunk *= base;
            per_chunk += 1;
        }
        let mut out = Self::from_u64(1);
        for _ in 0..exponent / per_chunk {
            out.mul_small(chunk);
        }
        for _ in 0..exponent % per_chunk {
            out.mul_small(base);
        }
        out
    }
}

impl PartialOrd for BigUint {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for BigUint {
    fn cmp(&self, other: &Self) -> Ordering {
        self.limbs
            .len()
            .cmp(&other.limbs.len())
            .then_with(|| self.limbs.iter().rev().cmp(other.limbs.iter().rev()))
    }
}

#[cfg(test)]
mod tests {
    use super::BigUint;

    #[test]
    fn decimal_round_trip_and_arithmetic() {
        let n = BigUint::from_decimal_digits(b"123456789012345678901234567890");
        assert_eq!(n.to_decimal(), "123456789012345678901234567890");
        assert_eq!(BigUint::pow(5, 30).to_decimal(), "931322574615478515625");
        let two = BigUint::from_u64(2);
        assert_eq!(n.mul(&two).sub(&n), n);
        assert_eq!(n.add(&n), n.mul(&two));
        assert_eq!(BigUint::from_u64(1).shl(100).bit_len(), 101);
        let (q, r) = BigUint::from_u64(1000).div_rem_small_quotient(&BigUint::from_u64(7), 10);
        assert_eq!((q, r.low_u64()), (142, 6));
    }
}
