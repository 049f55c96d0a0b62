using System.Runtime.CompilerServices;

// The truncated-normal numerics (TruncatedNormal) are checked against SciPy's values directly, not only through the sampler.
[assembly: InternalsVisibleTo("Grid.Compute.Tests")]
