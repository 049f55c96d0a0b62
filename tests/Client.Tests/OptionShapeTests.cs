using System.CommandLine;

namespace Grid.Client.Tests;

/// <summary>The shape of every option of every command, so the same name means the same thing everywhere.</summary>
public sealed class OptionShapeTests
{
    [Fact]
    public void No_option_takes_an_optional_value_that_could_swallow_the_next_argument()
    {
        // `--artifacts [DIR]` once took the sweep id after it (`sweep delete --artifacts ID`) for its DIR.
        // Flags and repeatable options (one value per occurrence) are fine; so is an optional value on a command
        // without arguments, where nothing follows it but options (`demo --json [FILE]`, kept for old scripts).
        var optional = CommandTree.All()
            .Where(c => c.Command.Arguments.Count > 0)
            .SelectMany(c => c.Command.Options.Select(o => (c.Path, Option: o)))
            .Where(x => x.Option.ValueType != typeof(bool) && !x.Option.ValueType.IsArray && !x.Option.AllowMultipleArgumentsPerToken
                && x.Option.Arity is { MinimumNumberOfValues: 0, MaximumNumberOfValues: > 0 })
            .Select(x => $"{x.Path} {x.Option.Name}")
            .ToList();
        Assert.Empty(optional);
    }

    [Fact]
    public void Artifacts_is_the_artifact_directory_in_every_command()
    {
        var artifacts = CommandTree.All()
            .SelectMany(c => c.Command.Options.Where(o => o.Name == "--artifacts").Select(o => (c.Path, Option: o)))
            .ToList();
        Assert.Contains(artifacts, a => a.Path == "sweep delete");
        Assert.All(artifacts, a =>
        {
            Assert.Equal(typeof(string), a.Option.ValueType);
            Assert.Equal("DIR", a.Option.HelpName);
        });
    }

    [Fact]
    public void Every_command_that_connects_to_a_cluster_takes_the_same_three_tls_options()
    {
        var connecting = CommandTree.All().Where(c => c.Command.Options.Any(o => o.Name == "--redis")).ToList();
        Assert.Contains(connecting, c => c.Path == "silo");
        Assert.Contains(connecting, c => c.Path == "sweep submit");
        Assert.Contains(connecting, c => c.Path == "cluster status");
        Assert.All(connecting, c =>
        {
            foreach (string name in new[] { "--tls-cert", "--tls-key", "--tls-ca" })
            {
                var option = c.Command.Options.SingleOrDefault(o => o.Name == name);
                Assert.True(option is not null, $"`grid {c.Path}` connects (--redis) but has no {name}");
                Assert.Equal("FILE", option.HelpName);
            }
        });
    }
}
