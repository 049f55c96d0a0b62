using Grid.Client.Commands;

namespace Grid.Client.Tests;

public sealed class BenchArgumentsTests
{
    [Fact]
    public void K_range_includes_both_ends()
    {
        Assert.Equal(Enumerable.Range(2, 249), BenchCommands.ParseKs("2..250"));
    }

    [Fact]
    public void K_range_with_a_step_stops_at_the_last_step_not_above_to()
    {
        Assert.Equal([10, 50, 90, 130, 170, 210, 250], BenchCommands.ParseKs("10..250:40"));
        Assert.Equal([10, 25], BenchCommands.ParseKs("10..30:15"));
    }

    [Fact]
    public void K_list_is_taken_as_given()
    {
        Assert.Equal([225, 10, 25], BenchCommands.ParseKs("225, 10,25"));
    }

    [Theory]
    [InlineData("1..10")]
    [InlineData("10..2")]
    [InlineData("2..10:0")]
    [InlineData("a,b")]
    [InlineData("")]
    [InlineData("1,5")]
    public void Bad_k_is_a_user_error_naming_the_forms(string text)
    {
        var ex = Assert.Throws<UserInputException>(() => BenchCommands.ParseKs(text));
        Assert.Contains("FROM..TO", ex.Message);
    }
}
