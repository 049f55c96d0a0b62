using Grid.Client.Commands;
using Grid.Silo.Hosting;
using Microsoft.Extensions.Configuration;

namespace Grid.Deploy.Tests;

/// <summary>How `grid silo` combines its command line with <c>Grid:Silo</c> configuration (the environment in a pod).</summary>
public sealed class SiloSettingsTests
{
    private static IConfiguration Environment(params (string Key, string Value)[] pairs) =>
        new ConfigurationBuilder().AddInMemoryCollection(pairs.Select(p => new KeyValuePair<string, string?>(p.Key, p.Value))).Build();

    [Fact]
    public void Configuration_gives_the_defaults_and_the_command_line_wins()
    {
        var configuration = Environment(
            ("Grid:Silo:Redis", "redis:6379"), ("Grid:Silo:Slots", "gpu=2"), ("Grid:Silo:GatewayPort", "30005"),
            ("Grid:Silo:ClusterId", "blue"), ("Grid:Silo:AdvertisedAddress", "10.0.0.9"), ("Grid:Silo:HttpAddress", "0.0.0.0"),
            ("Grid:Silo:DataDir", "/data"), ("Grid:Silo:MetricsPort", "9464"));
        var settings = SiloCommands.SiloSettings(["--slots", "cpu=1", "--http-port", "8081"], configuration);
        Assert.Equal("redis:6379", settings.Redis);
        Assert.Equal("cpu=1", settings.Slots);
        Assert.Equal(8081, settings.HttpPort);
        Assert.Equal(30005, settings.GatewayPort);
        Assert.Equal(new GridSiloOptions().SiloPort, settings.SiloPort);
        Assert.Equal(9464, settings.MetricsPort);
        Assert.Equal("/data", settings.DataDir);
        Assert.Equal("blue", settings.ClusterId);
        Assert.Equal("blue", settings.EffectiveServiceId);
        Assert.Equal("10.0.0.9", settings.AdvertisedAddress);
        Assert.Equal("0.0.0.0", settings.HttpAddress);
        settings.Validate();
    }

    [Fact]
    public void Without_configuration_a_silo_stays_on_this_machine()
    {
        var settings = SiloCommands.SiloSettings([], Environment());
        Assert.Null(settings.Redis);
        Assert.Null(settings.AdvertisedAddress);
        Assert.Equal("127.0.0.1", settings.HttpAddress);
        Assert.Equal("grid", settings.EffectiveServiceId);
    }

    [Theory]
    [InlineData("Grid:Silo:AdvertisedAddress", "grid-silo-0", "AdvertisedAddress")]
    [InlineData("Grid:Silo:HttpAddress", "everywhere", "HttpAddress")]
    [InlineData("Grid:Silo:ClusterId", " ", "ClusterId")]
    [InlineData("Grid:Silo:MemoryLimit", "lots", "MemoryLimit")]
    [InlineData("Grid:Silo:MemoryLimit", "12X", "MemoryLimit")]
    [InlineData("Grid:Silo:MemoryLimit", "-1G", "MemoryLimit")]
    public void A_bad_setting_is_rejected_by_name(string key, string value, string setting)
    {
        var settings = SiloCommands.SiloSettings([], Environment((key, value)));
        var error = Assert.ThrowsAny<ArgumentException>(settings.Validate);
        Assert.Contains(setting, error.Message);
    }

    [Theory]
    [InlineData("1500M", 1500L << 20)]
    [InlineData("6G", 6L << 30)]
    [InlineData("6Gi", 6L << 30)]
    [InlineData("512MiB", 512L << 20)]
    [InlineData("1.5g", 3L << 29)]
    [InlineData("1048576", 1L << 20)]
    public void A_memory_limit_is_a_size_as_people_write_it(string text, long bytes)
    {
        Assert.Equal(bytes, SiloCommands.SiloSettings(["--memory-limit", text], Environment()).MemoryLimitBytes());
    }

    [Fact]
    public void The_memory_limit_is_by_default_most_of_what_the_process_may_use_and_can_be_turned_off()
    {
        long available = GC.GetGCMemoryInfo().TotalAvailableMemoryBytes;
        long? auto = SiloCommands.SiloSettings([], Environment()).MemoryLimitBytes();
        Assert.Equal((long)(available * GridSiloOptions.AutoMemoryLimitShare), auto);
        Assert.Null(SiloCommands.SiloSettings([], Environment(("Grid:Silo:MemoryLimit", "off"))).MemoryLimitBytes());
        Assert.Null(SiloCommands.SiloSettings(["--memory-limit", "0"], Environment()).MemoryLimitBytes());
    }

    [Fact]
    public void A_service_id_of_its_own_is_kept()
    {
        var settings = SiloCommands.SiloSettings([], Environment(("Grid:Silo:ClusterId", "blue"), ("Grid:Silo:ServiceId", "grid")));
        Assert.Equal("blue", settings.ClusterId);
        Assert.Equal("grid", settings.EffectiveServiceId);
    }
}
