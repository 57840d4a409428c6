using System.Text;
using Bucketfs.ObjectStore.Transfer;

namespace Bucketfs.Cli.Transfer;

/// <summary>
/// --progress: files and bytes done of what is known to copy, rate, ETA and the transfers under
/// way, redrawn in place twice a second on a terminal; one plain line every few seconds otherwise
/// (a log, a CI job), so the output stays readable there.
/// </summary>
internal sealed class ProgressView : IAsyncDisposable
{
    private const int ShownTransfers = 8;
    private readonly TransferProgress _progress;
    private readonly TextWriter _output;
    private readonly bool _terminal;
    private readonly TimeProvider _time;
    private readonly long _started;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;
    private int _linesShown;
    private long _lastBytes;
    private long _lastTimestamp;
    private double _rate;

    public ProgressView(TransferProgress progress, TextWriter output, bool terminal, TimeProvider time)
    {
        _progress = progress;
        _output = output;
        _terminal = terminal;
        _time = time;
        _started = _lastTimestamp = time.GetTimestamp();
        _loop = LoopAsync();
    }

    private async Task LoopAsync()
    {
        using var timer = new PeriodicTimer(_terminal ? TimeSpan.FromMilliseconds(500) : TimeSpan.FromSeconds(5), _time);
        try
        {
            while (await timer.WaitForNextTickAsync(_stop.Token).ConfigureAwait(false)) Draw();
        }
        catch (OperationCanceledException)
        {
        }
    }

    private void Draw()
    {
        long now = _time.GetTimestamp();
        long bytes = _progress.BytesDone;
        double seconds = _time.GetElapsedTime(_lastTimestamp, now).TotalSeconds;
        if (seconds > 0)
        {
            double recent = (bytes - _lastBytes) / seconds;
            // Smoothed, so one slow tick does not swing the ETA.
            _rate = _rate == 0 ? recent : 0.7 * _rate + 0.3 * recent;
        }
        _lastBytes = bytes;
        _lastTimestamp = now;
        var lines = Lines(bytes, _time.GetElapsedTime(_started, now));
        if (_terminal)
        {
            var text = new StringBuilder();
            if (_linesShown > 0) text.Append($"\x1b[{_linesShown}A");
            text.Append("\x1b[J");
            foreach (string line in lines) text.Append(line).Append('\n');
            _output.Write(text.ToString());
            _linesShown = lines.Count;
        }
        else
        {
            _output.WriteLine(lines[0] + "; " + lines[1]);
        }
        _output.Flush();
    }

    private List<string> Lines(long bytes, TimeSpan elapsed)
    {
        var p = _progress;
        string total = p.ListingDone ? Size(p.BytesQueued) : Size(p.BytesQueued) + " so far";
        string eta = p.ListingDone && _rate > 0 ? $"ETA {TimeSpan.FromSeconds(Math.Ceiling((p.BytesQueued - bytes) / _rate)):c}" : "ETA -";
        int percent = p.BytesQueued > 0 ? (int)(100 * bytes / p.BytesQueued) : p.ListingDone ? 100 : 0;
        var lines = new List<string>
        {
            $"Transferred: {Size(bytes)} / {total}, {percent}%, {Size((long)_rate)}/s, {eta}, {elapsed.TotalSeconds:0.0} s",
            $"Files: {p.FilesDone} / {p.FilesQueued}{(p.ListingDone ? "" : "+")}, checked {p.Checked}, skipped {p.Skipped}, failed {p.Failed}{(p.Deleted > 0 ? $", deleted {p.Deleted}" : "")}",
        };
        if (_terminal)
            foreach (var active in p.Active.Values.Take(ShownTransfers))
                lines.Add($"  {active.Key}: {(active.Size > 0 ? 100 * active.Done / active.Size : 100)}% of {Size(active.Size)}");
        return lines;
    }

    public static string Size(long bytes) => bytes switch
    {
        >= 1L << 30 => $"{bytes / (double)(1L << 30):0.00} GiB",
        >= 1L << 20 => $"{bytes / (double)(1L << 20):0.0} MiB",
        >= 1L << 10 => $"{bytes / 1024.0:0.0} KiB",
        _ => $"{bytes} B",
    };

    /// <summary>Stops, drawing the final state once more.</summary>
    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        await _loop.ConfigureAwait(false);
        Draw();
        _stop.Dispose();
    }
}
