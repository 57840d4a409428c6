namespace Bucketfs.Integration.Tests;

/// <summary>
/// What <see cref="HttpFaultProxy"/> does to a request a rule picks. A connection that fails
/// before any byte of an answer (ResetBeforeAnswer, Refuse, a released StallBeforeAnswer) is
/// retried by .NET's HTTP client on its own, whatever the SDK's MaxErrorRetry: seen here up to 10
/// times, so such a rule needs Times of 11 or more for the caller to see the failure.
/// </summary>
public enum Fault
{
    /// <summary>Answers 500 InternalError in S3's XML without asking the store.</summary>
    ServerError,
    /// <summary>Answers 503 SlowDown in S3's XML without asking the store.</summary>
    SlowDown,
    /// <summary>Reads the request, then resets the connection without answering.</summary>
    ResetBeforeAnswer,
    /// <summary>Forwards; sends the response head and half the body, then resets the connection.</summary>
    ResetMidBody,
    /// <summary>Forwards; sends half the body with Content-Length saying so (Content-Range untouched); the connection stays usable.</summary>
    ShortBody,
    /// <summary>Forwards; appends garbage after the body with Content-Length counting it.</summary>
    LongBody,
    /// <summary>Reads the request and never answers, until Clear(), Outage(true) or Dispose().</summary>
    StallBeforeAnswer,
    /// <summary>Forwards; sends the response head and half the body, then nothing until Clear(), Outage(true) or Dispose().</summary>
    StallMidBody,
    /// <summary>Resets new connections as soon as they are accepted; a rule's request filters do not apply.</summary>
    Refuse,
}

/// <summary>
/// Which requests get a fault. A rule is used up by the requests (connections, for Refuse) it is
/// applied to; a request it matches but that loses the <see cref="Probability"/> roll is forwarded
/// untouched, without trying later rules.
/// </summary>
public sealed record FaultRule(Fault Fault)
{
    /// <summary>The request method, any when null.</summary>
    public string? Method { get; init; }
    /// <summary>Part of the request target (path and query), any when null.</summary>
    public string? PathContains { get; init; }
    /// <summary>A further test of "METHOD target".</summary>
    public Func<string, bool>? Match { get; init; }
    public int Times { get; init; } = int.MaxValue;
    public double Probability { get; init; } = 1.0;
}
