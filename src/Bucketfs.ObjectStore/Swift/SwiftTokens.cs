using Microsoft.Extensions.Logging;

namespace Bucketfs.ObjectStore.Swift;

/// <summary>
/// The current token of a store. It is renewed before it expires (by the store's clock, so tests
/// can move time) and when Swift refuses it; one sign-in at a time, which every caller waiting
/// for a token shares. Requests already sent keep the old token, still valid for the margin.
/// </summary>
internal sealed class SwiftTokens(ISwiftAuthMethod auth, HttpClient http, TimeProvider time, TimeSpan renewBefore, ILogger log)
{
    private readonly SemaphoreSlim _signIn = new(1, 1);
    private SwiftSession? _current;

    public string Description => auth.Description;

    public async Task<SwiftSession> GetAsync(CancellationToken cancellation)
    {
        var session = Volatile.Read(ref _current);
        if (session != null && Fresh(session)) return session;
        await _signIn.WaitAsync(cancellation).ConfigureAwait(false);
        try
        {
            session = Volatile.Read(ref _current);
            if (session != null && (Fresh(session) || !auth.CanRenew)) return session;
            var next = await auth.SignInAsync(http, time, cancellation).ConfigureAwait(false);
            SwiftLog.SignedIn(log, auth.Description, next.StorageUrl, next.ExpiresAt);
            Volatile.Write(ref _current, next);
            return next;
        }
        finally
        {
            _signIn.Release();
        }
    }

    /// <summary>Swift answered 401 to <paramref name="session"/>'s token: the next caller signs in again (unless one already has).</summary>
    public bool Refused(SwiftSession session)
    {
        if (!auth.CanRenew) return false;
        if (Interlocked.CompareExchange(ref _current, null, session) == session) SwiftLog.TokenRefused(log, auth.Description);
        return true;
    }

    private bool Fresh(SwiftSession session)
    {
        if (session.ExpiresAt is not { } expires) return true;
        var lifetime = expires - session.IssuedAt;
        var margin = lifetime / 4 < renewBefore ? lifetime / 4 : renewBefore;
        return time.GetUtcNow() < expires - margin;
    }
}
