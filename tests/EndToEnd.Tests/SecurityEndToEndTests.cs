using System.Security.Cryptography;
using Grid.Silo.Hosting;
using Xunit.Abstractions;

namespace Grid.EndToEnd.Tests;

/// <summary>
/// Issue #17 on real processes: a cluster whose Orleans links use mutual TLS and whose Redis needs a password runs a
/// sweep, while a silo with another CA's certificate, a console without a certificate and a silo with a wrong Redis
/// password are each refused in one line, and the password shows nowhere.
/// </summary>
[Trait("Category", "Reliability")]
public sealed class SecurityEndToEndTests(ITestOutputHelper output) : IDisposable
{
    private readonly TempDirectory _files = new("grid-security-");

    public void Dispose() => _files.Dispose();

    [Fact]
    public async Task Three_silos_with_mutual_tls_and_a_redis_password_run_a_sweep_and_refuse_a_foreign_silo_a_client_without_a_certificate_and_a_wrong_password()
    {
        using var authority = CertificateAuthority.Create(_files.File("ca"));
        using var foreign = CertificateAuthority.Create(_files.File("foreign"), "another-ca");
        string password = Convert.ToHexString(RandomNumberGenerator.GetBytes(16));
        var security = new LoopbackSecurity(password, authority.Issue("silo"), authority.Issue("client"));
        await using var cluster = await LoopbackCluster.StartAsync(3, security);

        string spec = _files.Write("secured.json", """
            { "name": "secured", "datasets": ["mnist"], "split": { "train": 3000, "test": 500 },
              "representations": ["pixels"], "scalers": ["none", "l2"], "k": [10, 20], "seeds": [0] }
            """);
        string id = await cluster.SubmitAsync(spec);

        // A fourth silo whose certificate another CA signed: it finds the cluster in Redis (it has the password) and is
        // refused at its first handshake, before it joins; one line, exit 2.
        var (code, stdout, stderr) = await SiloAsync(foreign.Issue("intruder"), password, cluster);
        output.WriteLine($"foreign silo: exit {code}: {stderr.Trim()}");
        Assert.Equal(2, code);
        Assert.Single(Lines(stderr));
        Assert.Contains("--tls-ca does not trust", stderr);
        Assert.DoesNotContain("silo up", stdout);

        // A silo without TLS at all: told in one line that the cluster links with TLS.
        (code, stdout, stderr) = await ExternalProcess.RunAsync(TimeSpan.FromMinutes(1), "dotnet", new Dictionary<string, string> { ["Grid__Silo__RedisPassword"] = password },
            GridConsole.Dll, "silo", "--redis", cluster.RedisAddress, "--silo-port", FreePorts.Next().ToString(), "--gateway-port", FreePorts.Next().ToString(),
            "--http-port", FreePorts.Next().ToString(), "--data-dir", GridConsole.DataDir, "--artifacts", cluster.Artifacts);
        output.WriteLine($"silo without TLS: exit {code}: {stderr.Trim()}");
        Assert.Equal(2, code);
        Assert.Single(Lines(stderr));
        Assert.Contains("link with mutual TLS", stderr);

        // A console without a certificate: the gateway requires TLS, and says so in one line.
        (code, _, stderr) = await ExternalProcess.RunAsync(TimeSpan.FromMinutes(1), "dotnet", new Dictionary<string, string> { ["GRID_REDIS_PASSWORD"] = password },
            GridConsole.Dll, "cluster", "status", "--redis", cluster.RedisAddress);
        output.WriteLine($"client without a certificate: exit {code}: {stderr.Trim()}");
        Assert.Equal(2, code);
        Assert.Single(Lines(stderr));
        Assert.Contains("requires TLS", stderr);

        // A console with another CA's certificate: refused too.
        (code, _, stderr) = await ExternalProcess.RunAsync(TimeSpan.FromMinutes(1), "dotnet", new Dictionary<string, string> { ["GRID_REDIS_PASSWORD"] = password },
            [GridConsole.Dll, "cluster", "status", "--redis", cluster.RedisAddress, .. LoopbackSecurity.Options(foreign.Issue("stranger"))]);
        output.WriteLine($"client with a foreign certificate: exit {code}: {stderr.Trim()}");
        Assert.Equal(2, code);
        Assert.Single(Lines(stderr));
        Assert.Contains("--tls-ca does not trust", stderr);

        // A silo with the cluster's certificate but a wrong Redis password: one line, exit 2, and the password it was given is not in it.
        string wrong = "not-" + password;
        (code, stdout, stderr) = await SiloAsync(authority.Issue("mistyped"), wrong, cluster);
        output.WriteLine($"wrong password: exit {code}: {stderr.Trim()}");
        Assert.Equal(2, code);
        Assert.Single(Lines(stderr));
        Assert.Contains("refused the credentials", stderr);
        Assert.DoesNotContain(wrong, stdout + stderr);

        // The sweep was not disturbed: every trial succeeded, and the three silos are still the cluster.
        var result = await cluster.WaitForSweepAsync(id, TimeSpan.FromMinutes(3));
        Assert.Equal(4, result["trials_succeeded"]!.GetValue<int>());
        var workers = (await cluster.StatusAsync())["workers"]!.AsArray();
        Assert.Equal(3, workers.Count(w => w!["alive"]!.GetValue<bool>()));
        // Nothing printed the password: not the silos' logs, not their "silo up" line.
        foreach (var silo in cluster.Silos)
        {
            Assert.DoesNotContain(password, silo!.Output);
            Assert.Contains("mutual TLS", silo.Output);
        }
    }

    [Fact]
    public async Task Silo_help_shows_no_password_from_the_environment()
    {
        const string inline = "inline-Secret-1234", separate = "separate-Secret-5678";
        var (code, stdout, stderr) = await ExternalProcess.RunAsync(TimeSpan.FromMinutes(1), "dotnet",
            new Dictionary<string, string> { ["Grid__Silo__Redis"] = $"redis:6379,password={inline}", ["Grid__Silo__RedisPassword"] = separate },
            GridConsole.Dll, "silo", "--help");
        Assert.Equal(0, code);
        Assert.Contains("--redis", stdout);
        Assert.Contains("--tls-cert", stdout);
        Assert.DoesNotContain(inline, stdout + stderr);
        Assert.DoesNotContain(separate, stdout + stderr);
    }

    /// <summary>Runs `grid silo` against <paramref name="cluster"/>'s Redis with <paramref name="tls"/> and <paramref name="password"/> until it exits.</summary>
    private static Task<(int ExitCode, string Stdout, string Stderr)> SiloAsync(TlsFiles tls, string password, LoopbackCluster cluster) =>
        ExternalProcess.RunAsync(TimeSpan.FromMinutes(1), "dotnet", new Dictionary<string, string> { ["Grid__Silo__RedisPassword"] = password },
            [GridConsole.Dll, "silo", "--redis", cluster.RedisAddress,
                "--silo-port", FreePorts.Next().ToString(), "--gateway-port", FreePorts.Next().ToString(), "--http-port", FreePorts.Next().ToString(),
                "--data-dir", GridConsole.DataDir, "--artifacts", cluster.Artifacts, .. LoopbackSecurity.Options(tls)]);

    private static string[] Lines(string text) => text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
}
