using System.Runtime.CompilerServices;

// The tests compare the in-process mini-batch step with the sharded statistics path and build
// fits directly to exercise chunked prediction.
[assembly: InternalsVisibleTo("Grid.Compute.Tests")]
