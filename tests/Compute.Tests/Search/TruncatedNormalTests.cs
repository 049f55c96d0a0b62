using Grid.Core.Search;

namespace Grid.Compute.Tests.Search;

/// <summary>
/// The truncated-normal numerics the TPE kernels use, against SciPy 1.10 (Debian's python3-scipy), computed once with:
/// <c>/usr/bin/python3 -c "import scipy.special as sp, scipy.stats as ss; print(sp.log_ndtr(z), ss.truncnorm.ppf(q, a, b), ss.truncnorm.logpdf(x, a, b))"</c>.
/// </summary>
public sealed class TruncatedNormalTests
{
    [Theory]
    [InlineData(-0.1, -0.7761545927302731)]
    [InlineData(-1.0, -1.841021645009264)]
    [InlineData(-3.4, -7.995637543776654)]  // either side of the switch from series to continued fraction
    [InlineData(-3.6, -8.7459236318874)]
    [InlineData(-14.0, -101.56303440744996)]
    [InlineData(-40.0, -804.6084420137539)] // Φ(−40) ≈ 1e-350 underflows a double; its log must not
    [InlineData(2.0, -0.023012909328963486)]
    [InlineData(9.0, -1.1285884059538324e-19)]
    public void LogCdf_matches_SciPy_far_into_both_tails(double z, double expected) =>
        Assert.Equal(expected, TruncatedNormal.LogCdf(z), Math.Abs(expected) * 1e-12);

    [Theory]
    [InlineData(0.3, -1.0, 2.0, -0.2424038178892272)]
    [InlineData(0.9, 0.5, 3.0, 1.851224070977836)]
    [InlineData(0.01, -50.0, -3.0, -4.197414437605671)]
    [InlineData(0.7, 2.0, 40.0, 2.466342374655068)]
    public void Quantile_matches_SciPy(double q, double a, double b, double expected) =>
        Assert.Equal(expected, TruncatedNormal.Quantile(q, a, b), 1e-12);

    [Fact]
    public void LogPdf_matches_SciPy_inside_and_is_minus_infinity_outside()
    {
        Assert.Equal(-0.89877223888021, TruncatedNormal.LogPdf(0.6, -1.0, 2.0), 1e-12);
        Assert.Equal(0.08135797742800488, TruncatedNormal.LogPdf(0.6, 0.5, 3.0), 1e-12);
        Assert.Equal(double.NegativeInfinity, TruncatedNormal.LogPdf(0.4, 0.5, 3.0));
    }
}
