using Bucketfs.Bench.Compare;

// bucketfs-bench-compare COMMAND [--option value ...]; see bench/compare/README.md. run.sh drives it.
if (args.Length == 0 || args[0] is "-h" or "--help")
{
    Console.Error.WriteLine("""
        usage: bucketfs-bench-compare COMMAND [options]
          seed         --endpoint URL --bucket B [--large-mib 2048 --small 10000 --ml 10000 --force]
          direct-seq   --endpoint URL --bucket B --manifest F [--parallel 8 --part-mib 8]
          direct-ls | direct-find | direct-ml [--threads 8] | direct-rand [--threads N --seconds S]
                       (all with --endpoint URL --bucket B --manifest F)
          seq          --file PATH --manifest F [--block 1048576]
          ml           --root MOUNT --manifest F [--threads 8]
          rand         --file PATH --manifest F [--threads 1 --seconds 10 --block 65536]
          write-seq    --file PATH [--mib 256]      write-small --dir PATH [--count 1000]
          report       --results F.jsonl --manifest F [--md OUT.md --json OUT.json --meta key=value ...]
          scale-seed   --endpoint URL --bucket B [--objects 100000 --bytes 1024 --layouts flat,tree --parallel 32]
          scale-list   --endpoint URL --bucket B --manifest F --layout L [--one-level]
          scale-stat | scale-epoch   --manifest F --layout L, and --root MOUNT or --endpoint URL --bucket B
                       [stat: --count 1000; epoch: --sample 10000 --threads 8]
          scale-report --results F.jsonl --manifest F [--md OUT.md --json OUT.json --meta key=value ...]
        AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY give the store's credentials. Each workload prints one JSON line.
        """);
    return 2;
}

try
{
    var a = new Args(args.Skip(1));
    Manifest M() => Manifest.Load(a.Get("manifest"));
    ScaleLayout S() => ScaleLayout.Load(a.Get("manifest"));
    return args[0] switch
    {
        "seed" => await Seed.RunAsync(a),
        "direct-seq" => await Direct.SeqAsync(a, M()),
        "direct-ls" => await Direct.LsAsync(a, M()),
        "direct-find" => await Direct.FindAsync(a, M()),
        "direct-ml" => await Direct.MlAsync(a, M()),
        "direct-rand" => await Direct.RandAsync(a, M()),
        "seq" => Fs.Seq(a, M()),
        "ml" => Fs.Ml(a, M()),
        "rand" => Fs.Rand(a, M()),
        "write-seq" => Writes.Seq(a),
        "write-small" => Writes.Small(a),
        "report" => Report.Run(a),
        "scale-seed" => await ScaleSeed.RunAsync(a),
        "scale-list" => await Scale.ListAsync(a, S()),
        "scale-stat" => await Scale.StatAsync(a, S()),
        "scale-epoch" => await Scale.EpochAsync(a, S()),
        "scale-report" => ScaleReport.Run(a),
        _ => throw new ArgumentException($"unknown command '{args[0]}'"),
    };
}
catch (Exception e) when (e is not OutOfMemoryException)
{
    Console.Error.WriteLine($"bucketfs-bench-compare {args[0]}: {e.GetType().Name}: {e.Message}");
    return Result.Fail($"{e.GetType().Name}: {e.Message}");
}
