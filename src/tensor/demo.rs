//! Demo tensors for a reader without a checkpoint, generated in the page from a stated recipe and a
//! fixed seed (so every reader, and every test, sees the same values), each rounded to fp32 as a
//! checkpoint would store it.

use crate::base::SplitMix64;

/// The demo tensors.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Demo {
    /// A weight matrix as initialised: 256 x 256, normal with standard deviation 0.02 (GPT-2's
    /// `initializer_range`).
    Weights,
    /// Activations with outlier channels: 64 tokens x 256 channels, standard normal, with
    /// channels 7 and 93 sixty times larger (the outlier features of Dettmers et al. 2022,
    /// arXiv 2208.07339, reach about 60 at 6.7B parameters).
    Activations,
    /// Small gradients: 256 x 256, normal with standard deviation 1e-6, below fp16's normal range.
    Gradients,
}

impl Demo {
    pub const ALL: [Demo; 3] = [Demo::Weights, Demo::Activations, Demo::Gradients];

    pub fn id(self) -> &'static str {
        match self {
            Demo::Weights => "weights",
            Demo::Activations => "activations",
            Demo::Gradients => "gradients",
        }
    }

    pub fn from_id(id: &str) -> Option<Demo> {
        Demo::ALL.into_iter().find(|d| d.id() == id)
    }

    /// The recipe, for the page.
    pub fn recipe(self) -> &'static str {
        match self {
            Demo::Weights => "weights: 256 x 256, normal, std 0.02 (GPT-2's initialisation)",
            Demo::Activations => {
                "activations: 64 tokens x 256 channels, standard normal, channels 7 and 93 x60 \
                 (outlier features)"
            }
            Demo::Gradients => "gradients: 256 x 256, normal, std 1e-6",
        }
    }

    pub fn shape(self) -> [u64; 2] {
        match self {
            Demo::Weights | Demo::Gradients => [256, 256],
            Demo::Activations => [64, 256],
        }
    }

    /// The values, row-major, each rounded to fp32.
    pub fn values(self) -> Vec<f64> {
        let [rows, cols] = self.shape();
        let mut rng = SplitMix64::new(match self {
            Demo::Weights => 1,
            Demo::Activations => 2,
            Demo::Gradients => 3,
        });
        let mut out = Vec::with_capacity((rows * cols) as usize);
        for _ in 0..rows {
            for c in 0..cols {
                let x = rng.normal();
                let x = match self {
                    Demo::Weights => 0.02 * x,
                    Demo::Activations if c == 7 || c == 93 => 60.0 * x,
                    Demo::Activations => x,
                    Demo::Gradients => 1e-6 * x,
                };
                out.push(f64::from(x as f32));
            }
        }
        out
    }
}
