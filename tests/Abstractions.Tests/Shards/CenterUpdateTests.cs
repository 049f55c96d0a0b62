using Grid.Core.Sharding;

namespace Grid.Abstractions.Tests.Shards;

public class CenterUpdateTests
{
    private const int Features = 2;

    [Fact]
    public void A_first_step_carries_every_centre_and_later_steps_only_those_that_moved()
    {
        float[] first = [1, 2, 3, 4, 5, 6];
        float[] second = [1, 2, 3, 4.5f, 5, 6];

        var full = CenterUpdate.Between(null, first, Features, 0);
        var changed = CenterUpdate.Between(first, second, Features, 1);
        var none = CenterUpdate.Between(second, (float[])second.Clone(), Features, 2);

        Assert.Null(full.Changed);
        Assert.Equal(first, full.Values);
        Assert.Equal([1], changed.Changed!);
        Assert.Equal([3f, 4.5f], changed.Values);
        Assert.Empty(none.Changed!);
        Assert.Empty(none.Values);

        var held = full.ApplyTo(null, 0, Features);
        Assert.NotSame(first, held);
        held = changed.ApplyTo(held, 0, Features);
        Assert.Equal(second, held);
        Assert.Equal(second, none.ApplyTo(held, 1, Features));
    }

    [Fact]
    public void An_update_that_does_not_follow_the_held_centres_is_refused_and_changes_nothing()
    {
        float[] held = [1, 2, 3, 4];
        var skipped = new CenterUpdate(3, [0], [9, 9]);

        var error = Assert.Throws<InvalidOperationException>(() => skipped.ApplyTo(held, 1, Features));
        Assert.Contains("received the centres of step 3 but holds those of step 1; the fit must start again", error.Message);
        Assert.Contains("holds none", Assert.Throws<InvalidOperationException>(() => skipped.ApplyTo(null, 0, Features)).Message);
        Assert.Contains("centre 2 is not one of 2", Assert.Throws<ArgumentException>(() => new CenterUpdate(2, [0, 2], [9, 9, 9, 9]).ApplyTo(held, 1, Features)).Message);
        Assert.Contains("do not fill", Assert.Throws<ArgumentException>(() => new CenterUpdate(2, [0], [9]).ApplyTo(held, 1, Features)).Message);
        Assert.Equal([1f, 2, 3, 4], held);
    }
}
