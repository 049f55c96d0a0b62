namespace Grid.Testing.Tests;

public sealed class TempDirectoryTests
{
    [Fact]
    public void A_temp_directory_exists_until_disposed_and_then_is_gone_with_its_files()
    {
        string path;
        using (var dir = new TempDirectory("grid-kit-tests-"))
        {
            path = dir.Path;
            Directory.CreateDirectory(dir.File("sub"));
            string file = dir.Write("sub/a.txt", "text");
            Assert.StartsWith(Path.Combine(Path.GetTempPath(), "grid-kit-tests-"), path);
            Assert.Equal("text", File.ReadAllText(file));
        }
        Assert.False(Directory.Exists(path));
    }

    [Fact]
    public void An_in_memory_temp_directory_is_under_dev_shm_where_there_is_one_and_is_gone_when_disposed()
    {
        string path;
        using (var dir = TempDirectory.InMemory("grid-kit-tests-"))
        {
            path = dir.Path;
            dir.Write("a.txt", "text");
            Assert.StartsWith(Directory.Exists("/dev/shm") ? "/dev/shm/grid-kit-tests-" : Path.Combine(Path.GetTempPath(), "grid-kit-tests-"), path);
        }
        Assert.False(Directory.Exists(path));
    }
}
