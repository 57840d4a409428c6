using Bucketfs.ObjectStore.Transfer;

namespace Bucketfs.ObjectStore.Tests.Transfer;

/// <summary>A local tree lists in the order a store lists the same keys, so the two can be merged in one pass.</summary>
public sealed class KeyOrderTests
{
    [Fact]
    public void KeysSortByTheirUtf8Bytes()
    {
        string[] keys = ["\uFF5E", "a0", "a/x", "a-b", "\U0001F600"];
        var expected = keys.OrderBy(k => k, Comparer<string>.Create((x, y) => Compare(System.Text.Encoding.UTF8.GetBytes(x), System.Text.Encoding.UTF8.GetBytes(y)))).ToList();
        Assert.Equal(expected, keys.Order(KeyOrder.Instance));
    }

    [Fact]
    public async Task ALocalTreeListsInKeyOrder()
    {
        string root = Directory.CreateTempSubdirectory("bucketfs-keyorder").FullName;
        try
        {
            foreach (string key in new[] { "a0", "a/x", "a-b", "a/b/c", "b" })
            {
                Directory.CreateDirectory(Path.GetDirectoryName(Path.Combine(root, key))!);
                File.WriteAllText(Path.Combine(root, key), key);
            }
            var listed = new List<string>();
            await foreach (var entry in new LocalSide(root).ListAsync(CancellationToken.None)) listed.Add(entry.Key);
            Assert.Equal(["a-b", "a/b/c", "a/x", "a0", "b"], listed);
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }

    private static int Compare(byte[] x, byte[] y) => x.AsSpan().SequenceCompareTo(y);
}
