/**
 * notification's main with a fault: the process SIGKILLs itself right after Slack answered a
 * chat.postMessage, before the outcome is recorded (the crash the delivery record must survive).
 */
import { SlackGateway } from '../src/providers/slack.gateway.js';

const post = SlackGateway.prototype.post;
SlackGateway.prototype.post = async function (this: SlackGateway, ...args: Parameters<SlackGateway['post']>) {
  const posted = await post.apply(this, args);
  process.kill(process.pid, 'SIGKILL');
  return posted;
};

await import('../src/main.js');
