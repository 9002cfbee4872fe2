import { html, unsafeRaw } from './html';

describe('html', () => {
  it('escapes every interpolated value, in text and attributes', () => {
    const name = `<script>alert("x")</script>' onload='x`;
    expect(html`<p title="${name}">${name}</p>`.value).toBe(
      '<p title="&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&#39; onload=&#39;x">&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&#39; onload=&#39;x</p>',
    );
  });

  it('nests fragments without escaping them twice, joins lists, and drops null, undefined and false', () => {
    const items = ['a&b', 'c'].map((s) => html`<li>${s}</li>`);
    // prettier-ignore
    const list = html`<ul>${items}${null}${undefined}${false}${unsafeRaw('<hr>')}${0}</ul>`;
    expect(list.value).toBe('<ul><li>a&amp;b</li><li>c</li><hr>0</ul>');
  });
});
