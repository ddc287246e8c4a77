/* Material for MkDocs' head script (partials/javascripts/base.html, 9.x), as a file, because the
 * site's Content-Security-Policy allows no inline script; Material's bundle reads these globals.
 * Only the scope differs: Material writes the page's base_url in; this file lives in <root>/assets/. */
__md_scope=new URL("..",document.currentScript.src),__md_hash=e=>[...e].reduce(((e,_)=>(e<<5)-e+_.charCodeAt(0)),0),__md_get=(e,_=localStorage,t=__md_scope)=>JSON.parse(_.getItem(t.pathname+"."+e)),__md_set=(e,_,t=localStorage,a=__md_scope)=>{try{t.setItem(a.pathname+"."+e,JSON.stringify(_))}catch(e){}};
