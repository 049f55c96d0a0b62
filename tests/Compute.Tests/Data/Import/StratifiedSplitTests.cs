using Grid.Compute.Data.Import;

namespace Grid.Compute.Tests.Data.Import;

public sealed class StratifiedSplitTests
{
    [Fact]
    public void Each_class_gives_its_share_of_test_rows_and_keeps_a_training_row()
    {
        // 50 rows of class 0, 7 of class 1, 1 of class 2.
        byte[] classes = [.. Enumerable.Repeat((byte)0, 50), .. Enumerable.Repeat((byte)1, 7), 2];
        var test = StratifiedSplit.TestRows(classes, classes.Length, 0.2, seed: 0);
        Assert.Equal(10, Enumerable.Range(0, 50).Count(r => test[r]));
        Assert.Equal(1, Enumerable.Range(50, 7).Count(r => test[r]));   // round(1.4) = 1
        Assert.False(test[57], "a class of one row keeps it for training");
    }

    [Fact]
    public void The_rule_is_pinned_so_that_a_split_can_be_reproduced_elsewhere()
    {
        // SplitMix64 from seed 0, Fisher–Yates over each class's positions, the first t shuffled positions are test rows
        // (StratifiedSplit's documentation); the expected rows were computed from that text by a separate Python
        // implementation. Changing the rule changes every imported dataset's checksums.
        byte[] classes = [0, 1, 0, 1, 0, 1, 0, 1, 0, 1];
        var test = StratifiedSplit.TestRows(classes, classes.Length, 0.4, seed: 0);
        Assert.Equal([1, 3, 4, 6], Enumerable.Range(0, 10).Where(r => test[r]));
        var plain = StratifiedSplit.TestRows(null, 10, 0.3, seed: 7);
        Assert.Equal([1, 5, 8], Enumerable.Range(0, 10).Where(r => plain[r]));
    }

    [Fact]
    public void Another_seed_gives_another_split_and_the_same_seed_the_same()
    {
        var a = StratifiedSplit.TestRows(null, 100, 0.25, seed: 1);
        Assert.Equal(a, StratifiedSplit.TestRows(null, 100, 0.25, seed: 1));
        Assert.NotEqual(a, StratifiedSplit.TestRows(null, 100, 0.25, seed: 2));
        Assert.Equal(25, a.Count(t => t));
    }
}
