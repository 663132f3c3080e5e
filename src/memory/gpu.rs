//! The accelerators a budget is checked against. This module owns the [`Gpu`] catalogue: each
//! card's marketed size, the exact byte count we compare with, and where that count comes from.
//! It does not decide whether something fits (see `budget`).
//!
//! Convention: for NVIDIA cards the capacity is the `memory.total` that `nvidia-smi` prints, in
//! MiB, read from public `nvidia-smi` logs of each card; it is what the driver exposes, already a
//! little under the marketed figure, and it is in binary units: NVIDIA's "80 GB" H100 shows
//! 81,559 MiB = 79.65 GiB = 85.52 GB. The CUDA context and the framework take a further few
//! hundred MiB that no table can know, so a budget within ~1 GiB of the line is a coin toss.
//! Apple's "16 GB" unified memory is 16 GiB shared by CPU and GPU; macOS lets the GPU wire only
//! part of it by default, so the Apple entries are an upper bound.

use super::units::{Bytes, GIB, MIB};

/// Where a capacity figure comes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum CapacityBasis {
    /// `nvidia-smi --query-gpu=memory.total` as printed in public logs, in MiB.
    NvidiaSmi { mib: u32 },
    /// Apple's marketed unified memory, which is in GiB.
    AppleUnified { gib: u32 },
}

/// One accelerator model.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Gpu {
    id: &'static str,
    name: &'static str,
    marketed: &'static str,
    basis: CapacityBasis,
}

const fn nvidia(id: &'static str, name: &'static str, marketed: &'static str, mib: u32) -> Gpu {
    Gpu {
        id,
        name,
        marketed,
        basis: CapacityBasis::NvidiaSmi { mib },
    }
}

const fn apple(id: &'static str, name: &'static str, marketed: &'static str, gib: u32) -> Gpu {
    Gpu {
        id,
        name,
        marketed,
        basis: CapacityBasis::AppleUnified { gib },
    }
}

/// The catalogue, in menu order. The MiB figures are `nvidia-smi`'s `memory.total` for the named
/// card as it appears in many public logs (e.g. "0MiB / 81559MiB" for "NVIDIA H100 80GB HBM3").
pub const GPUS: [Gpu; 20] = [
    nvidia("a100-40gb", "NVIDIA A100 40GB", "40 GB", 40_960),
    nvidia("a100-80gb", "NVIDIA A100 80GB", "80 GB", 81_920),
    nvidia("h100-80gb", "NVIDIA H100 80GB HBM3", "80 GB", 81_559),
    nvidia("h200", "NVIDIA H200", "141 GB", 143_771),
    nvidia("b200", "NVIDIA B200", "180 GB", 183_359),
    nvidia("rtx-4090", "NVIDIA GeForce RTX 4090", "24 GB", 24_564),
    nvidia("rtx-3090", "NVIDIA GeForce RTX 3090", "24 GB", 24_576),
    nvidia("l4", "NVIDIA L4", "24 GB", 23_034),
    nvidia("t4", "NVIDIA T4", "16 GB", 15_360),
    apple("apple-8gb", "Apple M-series, 8 GB unified", "8 GB", 8),
    apple("apple-16gb", "Apple M-series, 16 GB unified", "16 GB", 16),
    apple("apple-24gb", "Apple M-series, 24 GB unified", "24 GB", 24),
    apple("apple-32gb", "Apple M-series, 32 GB unified", "32 GB", 32),
    apple("apple-36gb", "Apple M-series, 36 GB unified", "36 GB", 36),
    apple("apple-48gb", "Apple M-series, 48 GB unified", "48 GB", 48),
    apple("apple-64gb", "Apple M-series, 64 GB unified", "64 GB", 64),
    apple("apple-96gb", "Apple M-series, 96 GB unified", "96 GB", 96),
    apple(
        "apple-128gb",
        "Apple M-series, 128 GB unified",
        "128 GB",
        128,
    ),
    apple(
        "apple-192gb",
        "Apple M-series, 192 GB unified",
        "192 GB",
        192,
    ),
    apple(
        "apple-512gb",
        "Apple M-series, 512 GB unified",
        "512 GB",
        512,
    ),
];

impl Gpu {
    /// The default card: H100 80GB.
    pub fn default_gpu() -> Gpu {
        GPUS[2]
    }

    /// Looks a card up by URL id.
    pub fn from_id(id: &str) -> Option<Gpu> {
        GPUS.into_iter().find(|g| g.id == id)
    }

    /// The URL id (`h100-80gb`).
    pub fn id(&self) -> &'static str {
        self.id
    }

    /// The product name.
    pub fn name(&self) -> &'static str {
        self.name
    }

    /// The size as marketed, in the vendor's words ("80 GB").
    pub fn marketed(&self) -> &'static str {
        self.marketed
    }

    /// Where the capacity comes from.
    pub fn basis(&self) -> CapacityBasis {
        self.basis
    }

    /// The exact capacity compared with the budget.
    pub fn capacity(&self) -> Bytes {
        match self.basis {
            CapacityBasis::NvidiaSmi { mib } => Bytes(u128::from(mib) * MIB),
            CapacityBasis::AppleUnified { gib } => Bytes(u128::from(gib) * GIB),
        }
    }

    /// One line that says what the capacity is and where it comes from.
    pub fn capacity_note(&self) -> String {
        match self.basis {
            CapacityBasis::NvidiaSmi { mib } => format!(
                "{} (marketed \"{}\"): nvidia-smi reports {} MiB = {} = {}.",
                self.name,
                self.marketed,
                super::units::group_thousands(u128::from(mib)),
                self.capacity().gib(),
                self.capacity().gb()
            ),
            CapacityBasis::AppleUnified { gib } => format!(
                "{}: Apple's \"{} GB\" is {} GiB = {} shared by CPU and GPU; macOS lets the GPU \
                 use only part of it by default.",
                self.name,
                gib,
                gib,
                self.capacity().gb()
            ),
        }
    }
}
