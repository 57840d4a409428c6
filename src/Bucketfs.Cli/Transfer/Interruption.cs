using System.Runtime.InteropServices;

namespace Bucketfs.Cli.Transfer;

/// <summary>Ctrl-C or SIGTERM cancels the work (uploads in flight are aborted, partial files removed) instead of killing the process.</summary>
internal sealed class Interruption : IDisposable
{
    private readonly CancellationTokenSource _source = new();
    private readonly PosixSignalRegistration[] _signals;

    public Interruption()
    {
        _signals = [PosixSignalRegistration.Create(PosixSignal.SIGINT, Cancel), PosixSignalRegistration.Create(PosixSignal.SIGTERM, Cancel)];
    }

    public CancellationToken Token => _source.Token;

    private void Cancel(PosixSignalContext context)
    {
        context.Cancel = true;
        _source.Cancel();
    }

    public void Dispose()
    {
        foreach (var signal in _signals) signal.Dispose();
        _source.Dispose();
    }
}
