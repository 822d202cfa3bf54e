/* mitoscore report: open every collapsed section before printing (browsers without
   ::details-content print support), and an in-page self-check for the browser test:
   every figure has a non-zero size, the findings summary comes before the first result. */
(function(){
  function openAll(){var d=document.querySelectorAll('details');for(var i=0;i<d.length;i++){d[i].setAttribute('open','');}}
  window.addEventListener('beforeprint',openAll);
  if(window.matchMedia){var m=window.matchMedia('print');if(m&&m.addEventListener){m.addEventListener('change',function(e){if(e.matches){openAll();}});}}
  try{
    var b=document.body;
    b.dataset.errors=String((window.__reportErrors||[]).length);
    var figs=document.querySelectorAll('svg.fig, img');var bad=0;
    for(var i=0;i<figs.length;i++){var r=figs[i].getBoundingClientRect();if(!(r.width>0&&r.height>0)){bad++;}}
    b.dataset.figures=String(figs.length);b.dataset.figuresBad=String(bad);
    b.dataset.figuresOk=(bad===0&&figs.length>0)?'true':'false';
    var f=document.getElementById('findings');var first=document.getElementById(b.dataset.firstResult||'');
    if(f&&first){b.dataset.findingsTop=String(Math.round(f.getBoundingClientRect().top+window.scrollY));
      b.dataset.firstResultTop=String(Math.round(first.getBoundingClientRect().top+window.scrollY));
      b.dataset.findingsFirst=(f.getBoundingClientRect().top<first.getBoundingClientRect().top)?'true':'false';}
  }catch(e){document.body.dataset.figuresOk='error';document.body.dataset.jsError=String(e);}
})();
