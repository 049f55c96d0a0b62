using Grid.Silo.Hosting;
using StackExchange.Redis;

namespace Grid.Client.Tests.Security;

/// <summary>What <c>--redis</c> takes, where a password may come from, and that nothing printed holds it.</summary>
public sealed class RedisTargetTests
{
    private const string Secret = "s3cret-Pa55word";

    [Fact]
    public void A_connection_string_keeps_its_password_user_and_tls_and_prints_without_the_password()
    {
        var target = RedisTarget.Parse($"127.0.0.1:6380,password={Secret},user=grid,ssl=true", password: null, "--redis");
        var options = target.Options();
        Assert.Equal(Secret, options.Password);
        Assert.Equal("grid", options.User);
        Assert.True(options.Ssl);
        Assert.Equal("127.0.0.1:6380", target.Endpoint);
        Assert.DoesNotContain(Secret, target.ToString());
        Assert.Contains("127.0.0.1:6380", target.ToString());
        Assert.True(target.HasPassword);
    }

    [Fact]
    public void A_password_from_the_environment_fills_in_one_the_string_lacks_and_never_replaces_one_it_has()
    {
        Assert.Equal(Secret, RedisTarget.Parse("redis:6379", Secret, "--redis").Options().Password);
        Assert.Equal("inline", RedisTarget.Parse("redis:6379,password=inline", Secret, "--redis").Options().Password);
        Assert.False(RedisTarget.Parse("redis:6379", null, "--redis").HasPassword);
        Assert.Equal(Secret, new GridSiloOptions { Redis = "redis:6379", RedisPassword = Secret }.RedisTarget()!.Options().Password);
    }

    [Fact]
    public void A_malformed_configuration_is_one_error_that_names_the_setting_and_not_the_password()
    {
        var unknown = Assert.Throws<ArgumentException>(() => RedisTarget.Parse($"redis:6379,password={Secret},colour=blue", null, "--redis"));
        Assert.StartsWith("--redis is not HOST:PORT or a Redis configuration", unknown.Message);
        Assert.DoesNotContain(Secret, unknown.Message);
        var noHost = Assert.Throws<ArgumentException>(() => RedisTarget.Parse($"password={Secret}", null, "--redis"));
        Assert.Equal("--redis names no HOST:PORT", noHost.Message);
        var silo = Assert.Throws<ArgumentException>(() => new GridSiloOptions { Redis = $"redis:6379,password={Secret},colour=blue" }.Validate());
        Assert.DoesNotContain(Secret, silo.Message);
    }

    [Fact]
    public void Refused_credentials_are_told_apart_from_other_redis_failures()
    {
        var target = RedisTarget.Parse("redis:6379", Secret, "--redis");
        string? refused = target.CredentialsRefused(new RedisConnectionException(ConnectionFailureType.AuthenticationFailure, "It was not possible to connect",
            new RedisServerException("WRONGPASS invalid username-password pair or user is disabled.")));
        Assert.NotNull(refused);
        Assert.StartsWith("Redis at redis:6379 refused the credentials (a password was given)", refused);
        Assert.DoesNotContain(Secret, refused);
        Assert.NotNull(target.CredentialsRefused(new RedisServerException("NOAUTH Authentication required.")));
        Assert.Null(target.CredentialsRefused(new RedisConnectionException(ConnectionFailureType.UnableToConnect, "It was not possible to connect")));
    }
}
