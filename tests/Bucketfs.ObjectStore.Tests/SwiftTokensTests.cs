using Bucketfs.ObjectStore.Swift;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace Bucketfs.ObjectStore.Tests;

/// <summary>Tokens are renewed by the store's clock before they expire, and when Swift refuses one; never more often.</summary>
public sealed class SwiftTokensTests
{
    private sealed class CountingAuth(TimeSpan lifetime, bool canRenew = true) : ISwiftAuthMethod
    {
        public int SignIns;

        public string Description => "test";

        public bool CanRenew => canRenew;

        public Task<SwiftSession> SignInAsync(HttpClient http, TimeProvider time, CancellationToken cancellation)
        {
            int n = Interlocked.Increment(ref SignIns);
            var now = time.GetUtcNow();
            return Task.FromResult(new SwiftSession($"token-{n}", new Uri("http://127.0.0.1:1/v1/AUTH_x"), now, now + lifetime));
        }
    }

    private static (SwiftTokens Tokens, CountingAuth Auth, FakeTimeProvider Time) Make(TimeSpan lifetime, bool canRenew = true)
    {
        var auth = new CountingAuth(lifetime, canRenew);
        var time = new FakeTimeProvider(DateTimeOffset.Parse("2026-01-01T00:00:00Z"));
        return (new SwiftTokens(auth, new HttpClient(), time, TimeSpan.FromMinutes(5), NullLogger.Instance), auth, time);
    }

    [Fact]
    public async Task TokenIsKeptUntilTheLastQuarterOfAShortLifetimeThenRenewed()
    {
        var (tokens, auth, time) = Make(TimeSpan.FromSeconds(60));
        Assert.Equal("token-1", (await tokens.GetAsync(default)).Token);
        time.Advance(TimeSpan.FromSeconds(44));
        Assert.Equal("token-1", (await tokens.GetAsync(default)).Token);
        time.Advance(TimeSpan.FromSeconds(2));
        Assert.Equal("token-2", (await tokens.GetAsync(default)).Token);
        Assert.Equal(2, auth.SignIns);
    }

    [Fact]
    public async Task LongLivedTokenIsRenewedFiveMinutesBeforeItExpires()
    {
        var (tokens, _, time) = Make(TimeSpan.FromHours(1));
        await tokens.GetAsync(default);
        time.Advance(TimeSpan.FromMinutes(54));
        Assert.Equal("token-1", (await tokens.GetAsync(default)).Token);
        time.Advance(TimeSpan.FromMinutes(1) + TimeSpan.FromSeconds(1));
        Assert.Equal("token-2", (await tokens.GetAsync(default)).Token);
    }

    [Fact]
    public async Task RefusedTokenIsReplacedOnceForAllWhoSawIt()
    {
        var (tokens, auth, _) = Make(TimeSpan.FromHours(1));
        var first = await tokens.GetAsync(default);
        Assert.True(tokens.Refused(first));
        Assert.True(tokens.Refused(first));
        var renewed = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => tokens.GetAsync(default)));
        Assert.All(renewed, s => Assert.Equal("token-2", s.Token));
        Assert.Equal(2, auth.SignIns);
    }

    [Fact]
    public async Task GivenTokenIsNotRenewedWhenRefused()
    {
        var (tokens, auth, _) = Make(TimeSpan.FromHours(1), canRenew: false);
        var first = await tokens.GetAsync(default);
        Assert.False(tokens.Refused(first));
        Assert.Equal(1, auth.SignIns);
    }
}
