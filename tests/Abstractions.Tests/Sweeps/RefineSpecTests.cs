using Grid.Abstractions.Sweeps;

namespace Grid.Abstractions.Tests.Sweeps;

public sealed class RefineSpecTests
{
    private const string Base = "datasets: [mnist]\nrepresentations: [pixels]\nscalers: [none]\nk: [10, 50, 100]\n";

    [Fact]
    public void Without_refine_the_knee_is_not_refined()
    {
        Assert.Null(Specs.Valid(Base).RefineKneeStep);
    }

    [Fact]
    public void Refine_knee_locates_the_knee_to_one()
    {
        Assert.Equal(1, Specs.Valid(Base + "refine: knee\n").RefineKneeStep);
    }

    [Fact]
    public void Refine_knee_takes_a_step()
    {
        Assert.Equal(5, Specs.Valid(Base + "refine: { knee: { step: 5 } }\n").RefineKneeStep);
    }

    [Theory]
    [InlineData("refine: elbow\n", "$.refine", "refine is knee")]
    [InlineData("refine: { knee: { step: 0 } }\n", "$.refine.knee.step", "step")]
    [InlineData("refine: { knee: { stp: 2 } }\n", "$.refine.knee.stp", "step")]
    [InlineData("refine: { knee: 3 }\n", "$.refine.knee", "{ step: N }")]
    [InlineData("refine: [knee]\n", "$.refine", "refine is knee")]
    public void Bad_refine_is_rejected_with_its_path(string refine, string path, string message)
    {
        var error = Specs.SingleError(Base + refine);
        Assert.Equal(path, error.Path);
        Assert.Contains(message, error.Message);
    }

    [Fact]
    public void Refine_survives_writing_and_reading_back()
    {
        var spec = Specs.Valid(Base + "refine: { knee: { step: 3 } }\n");
        var again = SweepSpecParser.Parse(SweepSpecWriter.ToJson(spec), "test").Spec;
        Assert.Equal(spec, again);
    }
}
