using System.Net;
using Bucketfs.ObjectStore.S3;

namespace Bucketfs.ObjectStore.Tests;

public sealed class BufferedAnswersTests
{
    [Fact]
    public async Task ListingIsReadIntoMemoryBeforeTheSdkParsesIt()
    {
        var (response, body) = await SendAsync(HttpMethod.Get, "http://store/bucket/?list-type=2&prefix=a%2F", HttpStatusCode.OK, 300_000);

        Assert.True(body.ReadToEnd);
        Assert.Equal(300_000, (await response.Content.ReadAsByteArrayAsync()).Length);
    }

    [Fact]
    public async Task ObjectDataStaysAStreamForTheReader()
    {
        var (response, body) = await SendAsync(HttpMethod.Get, "http://store/bucket/data/file.bin", HttpStatusCode.PartialContent, 1 << 20);

        Assert.False(body.ReadToEnd);
        Assert.Equal(1 << 20, (await response.Content.ReadAsByteArrayAsync()).Length);
    }

    [Theory]
    [InlineData(HttpStatusCode.NotFound)]
    [InlineData(HttpStatusCode.PreconditionFailed)]
    [InlineData(HttpStatusCode.ServiceUnavailable)]
    public async Task ErrorAnswerToAnObjectReadIsReadIntoMemory(HttpStatusCode status)
    {
        var (_, body) = await SendAsync(HttpMethod.Get, "http://store/bucket/data/file.bin", status, 400);

        Assert.True(body.ReadToEnd);
    }

    [Fact]
    public async Task UploadResultIsReadIntoMemory()
    {
        var (_, body) = await SendAsync(HttpMethod.Put, "http://store/bucket/copy-target", HttpStatusCode.OK, 250);

        Assert.True(body.ReadToEnd);
    }

    [Fact]
    public async Task AnswerBeyondTheBoundFailsInsteadOfGrowingWithoutLimit()
    {
        await Assert.ThrowsAsync<HttpRequestException>(() =>
            SendAsync(HttpMethod.Get, "http://store/bucket/?list-type=2", HttpStatusCode.OK, (int)BufferedAnswers.MostBuffered + 1));
    }

    private static async Task<(HttpResponseMessage Response, CountingContent Body)> SendAsync(HttpMethod method, string uri, HttpStatusCode status, int length)
    {
        var body = new CountingContent(length);
        using var invoker = new HttpMessageInvoker(new BufferedAnswers(new Answering(status, body)));
        var response = await invoker.SendAsync(new HttpRequestMessage(method, uri), CancellationToken.None);
        return (response, body);
    }

    private sealed class Answering(HttpStatusCode status, HttpContent content) : HttpMessageHandler
    {
        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken) =>
            Task.FromResult(new HttpResponseMessage(status) { Content = content, RequestMessage = request });
    }

    /// <summary>A body that records whether it has been read to its end.</summary>
    private sealed class CountingContent(int length) : HttpContent
    {
        public bool ReadToEnd { get; private set; }

        protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context)
        {
            var block = new byte[64 << 10];
            for (int done = 0; done < length; done += block.Length)
                await stream.WriteAsync(block.AsMemory(0, Math.Min(block.Length, length - done)));
            ReadToEnd = true;
        }

        protected override bool TryComputeLength(out long size)
        {
            size = length;
            return true;
        }
    }
}
