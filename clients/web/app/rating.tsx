// Rating a redemption (its basket) or a verified task, once, 1..5 stars (board.proto, Rate).
// The device remembers what it gave; the server answers the same rating again with the stored
// one and refuses a different one.
import { useState } from 'preact/hooks';

import { Code, ConnectError, RatingSubject } from '../src/index.js';
import { explain, type Clients } from './api.js';
import { hex } from './format.js';
import type { Session } from './session.js';
import { Banner } from './shell.js';

const kStars = [1, 2, 3, 4, 5];

export interface Subject {
  basket?: Uint8Array;
  task?: number;
}

function keyOf(subject: Subject): string {
  return `points.rated.${subject.basket ? hex(subject.basket) : `task-${subject.task}`}`;
}

export function Stars(props: {
  clients: Clients;
  session: Session;
  subject: Subject;
  what: string;
}) {
  const [rated, setRated] = useState(() => Number(localStorage.getItem(keyOf(props.subject)) ?? 0));
  const [problem, setProblem] = useState('');
  if (rated > 0)
    return (
      <p class="ok">
        您给{props.what}打了 {rated} 星，谢谢！
      </p>
    );
  const rate = async (stars: number) => {
    const { basket, task } = props.subject;
    try {
      const r = await props.clients.board.rate({
        village: props.session.village,
        household: BigInt(props.session.household),
        subject: basket ? RatingSubject.BASKET : RatingSubject.TASK,
        subjectId: basket,
        subjectTask: task,
        stars,
      });
      localStorage.setItem(keyOf(props.subject), String(r.stars));
      setRated(r.stars);
    } catch (error) {
      if (ConnectError.from(error).code === Code.AlreadyExists) {
        setProblem('这一项已经评价过了，每项只能评价一次。');
      } else {
        setProblem(explain(error).text);
      }
    }
  };
  return (
    <div class="stars">
      <p>给{props.what}打个分（5星最好，只能打一次）：</p>
      <div class="row">
        {kStars.map((n) => (
          <button type="button" key={n} onClick={() => void rate(n)}>
            {n}星
          </button>
        ))}
      </div>
      {problem && <Banner kind="problem">{problem}</Banner>}
    </div>
  );
}
