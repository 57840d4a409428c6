using Bucketfs.ObjectStore.Transfer;

namespace Bucketfs.ObjectStore.Tests.Transfer;

/// <summary>--include / --exclude read as rclone reads them.</summary>
public sealed class KeyFilterTests
{
    [Theory]
    [InlineData("*.jpg", "a.jpg", true)]
    [InlineData("*.jpg", "dir/a.jpg", true)]
    [InlineData("/*.jpg", "dir/a.jpg", false)]
    [InlineData("dir/*", "dir/sub/a", false)]
    [InlineData("dir/**", "dir/sub/a", true)]
    [InlineData("file?.{csv,tsv}", "x/file1.tsv", true)]
    [InlineData("[a-c]*", "b.txt", true)]
    [InlineData("[!a-c]*", "b.txt", false)]
    [InlineData("logs/", "logs/today", true)]
    public void AGlobMatchesAsInRclone(string glob, string key, bool matches) =>
        Assert.Equal(matches, KeyFilter.ToRegex(glob).IsMatch(key));

    [Fact]
    public void AKeyIsTakenWhenItMatchesAnIncludeAndNoExclude()
    {
        var filter = new KeyFilter(["*.jpg"], ["tmp/**"]);
        Assert.Equal([true, false, false], new[] { "a/b.jpg", "tmp/b.jpg", "a/b.png" }.Select(filter.Takes));
    }

    [Fact]
    public void AnUnclosedBracketIsAnError() => Assert.Throws<ArgumentException>(() => KeyFilter.ToRegex("[abc"));
}
