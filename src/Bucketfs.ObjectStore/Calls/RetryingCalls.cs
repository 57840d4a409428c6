using Microsoft.Extensions.Logging;

namespace Bucketfs.ObjectStore.Calls;

/// <summary>
/// Runs store calls with bucketfs's own retries instead of the SDK's: every attempt is bounded
/// (until the answer, and then by the stall watch while a body arrives), a failure that may pass
/// (5xx, SlowDown, a reset or refused connection, a timeout, a body of the wrong length) is tried
/// again after a jittered back-off, and no retry starts that the whole call's bound cannot hold.
/// The SDK's standard mode keeps a retry quota that a burst of errors empties, after which calls
/// failed at once (seen: uploads failing in 0.6 s); and it never retries a body cut mid-way.
/// <paramref name="map"/> turns what a store's client threw into the failure's kind.
/// </summary>
internal sealed class RetryingCalls(StoreCallOptions options, Func<Exception, string, ObjectStoreException> map)
{
    private readonly StoreMetrics? _metrics = options.Meter is { } meter ? new StoreMetrics(meter) : null;

    private static readonly TimeSpan FirstBackoff = TimeSpan.FromMilliseconds(100);
    private static readonly TimeSpan LongestBackoff = TimeSpan.FromSeconds(2);

    /// <summary>
    /// Runs <paramref name="call"/> until it succeeds, fails for good, or its bound passes.
    /// The size of the body <paramref name="request"/> uploads lengthens the bounds.
    /// </summary>
    public async Task<T> RunAsync<T>(string what, StoreRequest request, Func<Attempt, Task<T>> call, CancellationToken cancellation)
    {
        try
        {
            return await RetryAsync(what, request, call, cancellation).ConfigureAwait(false);
        }
        finally
        {
            // With inline socket completions (see Program.cs) a call ends on the socket event loop,
            // where a caller that blocks (a disk write, a lock) would stall every connection: callers
            // continue on the thread pool. The receives within the call stay on the loop.
            if (!Thread.CurrentThread.IsThreadPoolThread) await Task.Yield();
        }
    }

    private async Task<T> RetryAsync<T>(string what, StoreRequest request, Func<Attempt, Task<T>> call, CancellationToken cancellation)
    {
        var time = options.Time;
        var allowance = TimeSpan.FromSeconds((double)(request.BytesSent + request.BytesCopied) / options.SlowestUploadBytesPerSecond);
        var bound = options.CallTimeout + allowance;
        long started = time.GetTimestamp();
        for (int attempt = 1; ; attempt++)
        {
            var remaining = bound - time.GetElapsedTime(started);
            using var source = CancellationTokenSource.CreateLinkedTokenSource(cancellation);
            var tryFor = options.AttemptTimeout + allowance;
            // A back-off that overslept leaves nothing: the attempt is cancelled at once, and fails as a timeout.
            source.CancelAfter(remaining <= TimeSpan.Zero ? TimeSpan.Zero : tryFor < remaining ? tryFor : remaining);
            var current = new Attempt(source, options.StallTimeout);
            // The HTTP status is only wanted for the debug log; finding it costs an execution context per attempt.
            if (options.Log.IsEnabled(LogLevel.Debug)) Attempt.Watch(current);
            long attemptStarted = time.GetTimestamp();
            ObjectStoreException? failure = null;
            T result = default!;
            try
            {
                result = await call(current).ConfigureAwait(false);
            }
            catch (Exception) when (cancellation.IsCancellationRequested)
            {
                // The caller gave up (interrupt, its deadline): whatever the abort looked like, that is what it was.
                Ended(request, attempt, current, "cancelled", attemptStarted, 0);
                cancellation.ThrowIfCancellationRequested();
                throw;
            }
            catch (Exception e) when (source.IsCancellationRequested)
            {
                // Our own bound fired; whatever the SDK or the socket made of that, it is a timeout.
                string why = current.Receiving ? $"no bytes for {options.StallTimeout.TotalSeconds:0.#} s in the middle of the answer" : $"no answer within {tryFor.TotalSeconds:0.#} s";
                failure = new ObjectStoreException(StoreError.Unavailable, $"{what}: {why}", e);
            }
            catch (ObjectStoreException e)
            {
                // Raised by bucketfs's own checks of the answer, which do not know the call.
                failure = new ObjectStoreException(e.Error, $"{what}: {e.Message}", e);
            }
            catch (Exception e)
            {
                failure = map(e, what);
            }
            // Recorded outside the call's try: what measuring does can never turn an answer into a failure.
            if (failure is null)
            {
                Ended(request, attempt, current, StoreMetrics.Ok, attemptStarted, request.BytesSent);
                return result;
            }
            Ended(request, attempt, current, Outcome(failure.Error), attemptStarted, 0);
            var backoff = Backoff(attempt);
            if (failure.Error != StoreError.Unavailable || attempt > options.MaxRetries || time.GetElapsedTime(started) + backoff >= bound)
                throw attempt == 1 ? failure : new ObjectStoreException(failure.Error, $"{failure.Message} (after {attempt} attempts in {time.GetElapsedTime(started).TotalSeconds:0.#} s)", failure.InnerException);
            await Task.Delay(backoff, time, cancellation).ConfigureAwait(false);
        }
    }

    private void Ended(in StoreRequest request, int attempt, Attempt current, string outcome, long started, long sent)
    {
        var elapsed = options.Time.GetElapsedTime(started);
        _metrics?.Attempted(request.Operation, attempt, outcome, elapsed, sent, current.BytesReceived);
        if (options.Log.IsEnabled(LogLevel.Debug))
            options.Log.Attempted(request.Method, request.Key, request.Range, current.Status, outcome, current.BytesReceived + sent, (long)elapsed.TotalMilliseconds, attempt);
    }

    // Made once per error kind: an outcome tag must not allocate per request.
    private static readonly string[] Outcomes = [.. Enum.GetValues<StoreError>().Select(e => e.ToString().ToLowerInvariant())];

    private static string Outcome(StoreError error) => (uint)error < (uint)Outcomes.Length ? Outcomes[(int)error] : "error";

    /// <summary>Exponential, and jittered so clients that failed together do not retry together.</summary>
    private static TimeSpan Backoff(int attempt)
    {
        double ceiling = Math.Min(LongestBackoff.TotalMilliseconds, FirstBackoff.TotalMilliseconds * (1 << Math.Min(attempt - 1, 16)));
        return TimeSpan.FromMilliseconds(ceiling / 2 + Random.Shared.NextDouble() * ceiling / 2);
    }
}

/// <summary>One try of a store call: its cancellation, and the stall watch over a body being received.</summary>
internal sealed class Attempt(CancellationTokenSource source, TimeSpan stall)
{
    public CancellationToken Token => source.Token;

    /// <summary>A body has started to arrive: from here on, the bound is the stall watch.</summary>
    public bool Receiving { get; private set; }

    /// <summary>Bytes of object data this attempt received.</summary>
    public long BytesReceived { get; private set; }

    /// <summary>The HTTP status the store answered with, when <see cref="Watch"/>ed (0 otherwise, or with no answer).</summary>
    public int Status { get; private set; }

    private static readonly AsyncLocal<Attempt?> Watched = new();

    /// <summary>Has the HTTP layer under this flow of the call report its status here (see <see cref="Answered"/>).</summary>
    public static void Watch(Attempt attempt) => Watched.Value = attempt;

    /// <summary>Called by the HTTP layer with each answer's status.</summary>
    public static void Answered(int status)
    {
        if (Watched.Value is { } attempt) attempt.Status = status;
    }

    public void Received(int bytes) => BytesReceived += bytes;

    /// <summary>Bytes arrived (or are about to be waited for): the stall watch starts again.</summary>
    public void Progress()
    {
        Receiving = true;
        source.CancelAfter(stall);
    }

    /// <summary>Fills <paramref name="destination"/>, the length the answer announced: a body that ends sooner is a failed attempt.</summary>
    public async Task<int> FillAsync(Stream body, Memory<byte> destination)
    {
        int filled = 0;
        while (filled < destination.Length)
        {
            Progress();
            int n = await body.ReadAsync(destination[filled..], Token);
            if (n == 0) throw AnswerLength.Mismatch($"the answer ended after {filled} of {destination.Length} bytes");
            filled += n;
            Received(n);
        }
        return filled;
    }
}
