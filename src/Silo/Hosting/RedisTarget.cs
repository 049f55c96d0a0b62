using StackExchange.Redis;

namespace Grid.Silo.Hosting;

/// <summary>
/// The Redis a cluster keeps its membership and state in, as <c>--redis</c> names it: <c>HOST:PORT</c>, or a
/// StackExchange.Redis configuration string (<c>HOST:PORT,password=…,user=…,ssl=true</c>). A password from the
/// environment (<c>Grid__Silo__RedisPassword</c>, <c>GRID_REDIS_PASSWORD</c>) fills in one the string lacks, so it
/// need not appear on a command line. <see cref="ToString"/> never shows the password: everything that prints a
/// Redis prints this.
/// </summary>
public sealed class RedisTarget
{
    private readonly ConfigurationOptions _options;

    private RedisTarget(ConfigurationOptions options) => _options = options;

    /// <summary>
    /// The target <paramref name="text"/> names, with <paramref name="password"/> where it has none; an
    /// <see cref="ArgumentException"/> naming <paramref name="setting"/> when it is not one (its message never holds the text).
    /// </summary>
    public static RedisTarget Parse(string text, string? password, string setting)
    {
        ConfigurationOptions options;
        try
        {
            options = ConfigurationOptions.Parse(text);
        }
        catch (ArgumentException e)
        {
            // The library names the keyword it did not understand, not the value: the message is safe to print.
            throw new ArgumentException($"{setting} is not HOST:PORT or a Redis configuration (HOST:PORT,password=…,user=…,ssl=true): {e.Message}");
        }
        if (options.EndPoints.Count == 0)
        {
            throw new ArgumentException($"{setting} names no HOST:PORT");
        }
        if (string.IsNullOrEmpty(options.Password) && !string.IsNullOrEmpty(password))
        {
            options.Password = password;
        }
        return new RedisTarget(options);
    }

    /// <summary>A copy of the client settings (callers tune timeouts on theirs).</summary>
    public ConfigurationOptions Options() => _options.Clone();

    /// <summary>The first endpoint, <c>HOST:PORT</c>: where the console probes Redis before connecting.</summary>
    public string Endpoint => EndPointCollection.ToString(_options.EndPoints[0]);

    public bool HasPassword => !string.IsNullOrEmpty(_options.Password);

    /// <summary>The configuration without its password (<c>password=*****</c> where one is set).</summary>
    public override string ToString() => _options.ToString(includePassword: false);

    /// <summary>
    /// One line when <paramref name="error"/> (or an exception inside it) is Redis refusing the credentials: a wrong password
    /// or user, or none where Redis requires one; else null.
    /// </summary>
    public string? CredentialsRefused(Exception error)
    {
        for (var e = error; e is not null; e = e.InnerException)
        {
            bool refused = e is RedisConnectionException { FailureType: ConnectionFailureType.AuthenticationFailure } ||
                e.Message.Contains("WRONGPASS", StringComparison.Ordinal) || e.Message.Contains("NOAUTH", StringComparison.Ordinal);
            if (refused)
            {
                return $"Redis at {Endpoint} refused the credentials ({(HasPassword ? "a password was given" : "no password was given")}): " +
                    "check password= (and user=) in --redis, or Grid__Silo__RedisPassword for silos and GRID_REDIS_PASSWORD for the console";
            }
        }
        return null;
    }
}
