using System.Text.Json;
using Bucketfs.ObjectStore.Swift;

namespace Bucketfs.ObjectStore.Tests;

/// <summary>The storage URL is the catalog's object-store endpoint of the region and interface asked for.</summary>
public sealed class KeystoneCatalogTests
{
    private static readonly JsonElement Token = JsonDocument.Parse("""
        {"catalog": [
          {"type": "identity", "endpoints": [{"interface": "public", "region_id": "R1", "url": "http://k/v3"}]},
          {"type": "object-store", "endpoints": [
            {"interface": "internal", "region_id": "R1", "region": "R1", "url": "http://internal-1/v1/AUTH_p"},
            {"interface": "public", "region_id": "R1", "region": "R1", "url": "http://public-1/v1/AUTH_p"},
            {"interface": "public", "region_id": "R2", "region": "R2", "url": "http://public-2/v1/AUTH_p"}]}]}
        """).RootElement;

    [Theory]
    [InlineData("R1", "public", "http://public-1/v1/AUTH_p")]
    [InlineData("R2", "public", "http://public-2/v1/AUTH_p")]
    [InlineData("R1", "internal", "http://internal-1/v1/AUTH_p")]
    [InlineData(null, "public", "http://public-1/v1/AUTH_p")]
    public void PicksTheEndpointOfTheRegionAndInterface(string? region, string face, string expected) =>
        Assert.Equal(new Uri(expected), KeystoneCatalog.ObjectStore(Token, region, face, "Keystone"));

    [Fact]
    public void RegionWithoutAnEndpointNamesTheRegionsThatHaveOne()
    {
        var e = Assert.Throws<ObjectStoreException>(() => KeystoneCatalog.ObjectStore(Token, "R3", "public", "Keystone at http://k/v3"));
        Assert.Equal("Keystone at http://k/v3: the catalog has no public object-store endpoint in region R3 (regions with one: R1, R2)", e.Message);
    }
}
