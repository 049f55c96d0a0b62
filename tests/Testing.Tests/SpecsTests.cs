using System.Text.Json.Nodes;
using Grid.Abstractions.Sweeps;

namespace Grid.Testing.Tests;

public sealed class SpecsTests
{
    [Fact]
    public void A_json_spec_read_through_the_yaml_helper_is_the_spec_the_json_parser_gives()
    {
        // The grain tests write their specs in JSON and read them with Specs.Valid, which reads YAML.
        const string json = """
            {
              "name": "same",
              "datasets": ["mnist"],
              "split": { "train": 2000, "test": 500 },
              "representations": ["pixels", { "autoencoder": { "z_dim": 4, "epochs": 1, "learning_rate": 0.001 } }],
              "scalers": ["none", "l2"],
              "k": [5, 10, { "from": 20, "to": 40, "step": 10 }],
              "seeds": [0],
              "kmeans": { "algorithm": "minibatch", "batch_size": 200, "n_init": 1, "tol": 1.0e-4, "warm_start": true }
            }
            """;

        var viaYaml = Specs.Valid(json);
        var viaJson = SweepSpecParser.Parse(JsonNode.Parse(json), "test").Spec!;

        Assert.Equal(SweepSpecWriter.ToJson(viaJson).ToJsonString(), SweepSpecWriter.ToJson(viaYaml).ToJsonString());
    }

    [Fact]
    public void A_spec_with_one_error_gives_that_error_and_a_valid_one_none()
    {
        var error = Specs.SingleError("datasets: [mnist]\nrepresentations: [pixels]\nscalers: [mystery]\nk: [10]\n");

        Assert.Contains("mystery", error.Message);
        Assert.Empty(Specs.Parse(Specs.Minimal).Errors);
    }
}
